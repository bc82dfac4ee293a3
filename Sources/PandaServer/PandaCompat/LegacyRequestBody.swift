import CZlib
import Foundation
import Hummingbird

/// The fields of a PanDA pilot 3 request, whichever way it sent them: a
/// gzip-compressed JSON object without `Content-Encoding` (pilot3's urllib
/// client), or `application/x-www-form-urlencoded` (its curl client, where
/// every value is a string). Values are kept as text, the form pilot3's own
/// server read them in, and parsed by the accessors.
///
/// ```swift
/// let fields = try await LegacyRequestBody(limit: 1 << 20).fields(of: request)
/// try fields.integer("attemptNr", in: 0...1_000_000)   // 1, from "1" or 1
/// ```
struct LegacyRequestBody {
    /// The configured request body limit; the inflated body is held to it too.
    let limit: Int

    func fields(of request: Request) async throws(LegacyError) -> LegacyFields {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw LegacyError(.contentTooLarge, "request body is larger than \(limit) bytes")
        }
        var bytes = Array(buffer.readableBytesView)
        // pilot3 gzips without saying so: the magic number is all there is.
        if bytes.count >= 2, bytes[0] == 0x1f, bytes[1] == 0x8b {
            bytes = try Self.gunzip(bytes, limit: limit)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.first(where: { !$0.isWhitespace }) == "{" {
            return try Self.json(Data(bytes))
        }
        return LegacyFields(Self.form(text))
    }

    /// Inflates a gzip stream, refusing one that inflates past `limit`
    /// before it has allocated more than that (a gzip bomb gets 413).
    static func gunzip(_ input: [UInt8], limit: Int) throws(LegacyError) -> [UInt8] {
        var stream = z_stream()
        // 16 + MAX_WBITS: a gzip header and trailer, not zlib's.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw LegacyError(.internalServerError, "cannot start zlib")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while status == Z_OK {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: target.prefix(target.count - Int(stream.avail_out)))
                }
                if output.count > limit { return }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
            }
        }
        guard output.count <= limit else {
            throw LegacyError(.contentTooLarge, "request body inflates to more than \(limit) bytes")
        }
        guard status == Z_STREAM_END else { throw LegacyError(.badRequest, "request body is not a complete gzip stream") }
        return output
    }

    /// A JSON object of scalars; nested values are not part of pilot3's requests and are refused.
    static func json(_ data: Data) throws(LegacyError) -> LegacyFields {
        // One level: a flat object; and, as on every API route, each key once.
        if let problem = JSONShapeCheck(maxDepth: 1).problem(in: data) {
            throw LegacyError(.badRequest, "expected a flat JSON object of strings, numbers and booleans: \(problem)")
        }
        let object: [String: LegacyScalar]
        do {
            object = try JSONDecoder().decode([String: LegacyScalar].self, from: data)
        } catch {
            throw LegacyError(.badRequest, "malformed JSON body: expected a flat object of strings, numbers and booleans")
        }
        return LegacyFields(object.mapValues(\.text))
    }

    /// `k=v&k2=v2`, percent-decoded, `+` as a space.
    static func form(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let key = decode(parts[0])
            guard !key.isEmpty else { continue }
            fields[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}

/// One JSON value of a pilot3 request, as the text its form encoding would carry.
struct LegacyScalar: Decodable {
    let text: String

    init(from decoder: Decoder) throws {
        let value = try decoder.singleValueContainer()
        if value.decodeNil() {
            text = ""
        } else if let bool = try? value.decode(Bool.self) {
            // Python's str(True), what the form encoding sends.
            text = bool ? "True" : "False"
        } else if let int = try? value.decode(Int64.self) {
            text = String(int)
        } else if let double = try? value.decode(Double.self) {
            text = String(double)
        } else {
            text = try value.decode(String.self)
        }
    }
}
