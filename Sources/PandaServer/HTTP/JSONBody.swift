import Foundation
import Hummingbird

/// Reads a request's JSON body with the configured size limit and turns
/// every way it can be wrong into a 400 or 413 that says what was wrong.
struct JSONBody {
    let limit: Int
    /// Deeper nesting is refused before decoding; a request has no reason to
    /// nest deeper, and a deep one is an attack on the parser.
    static let maxDepth = 32

    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        try Self.requireJSONContentType(request)
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, "request body is larger than \(limit) bytes")
        }
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw APIError(.badRequest, "request body is empty; expected JSON") }
        if let problem = JSONShapeCheck(maxDepth: Self.maxDepth).problem(in: data) {
            throw APIError(.badRequest, problem)
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError(.badRequest, Self.explain(error))
        } catch {
            throw APIError(.badRequest, "malformed JSON: \(error)")
        }
    }

    /// A body sent as a form or as text is refused (415) before it is read:
    /// what the client meant is not what the server would decode.
    static func requireJSONContentType(_ request: Request) throws {
        let value = request.headers[.contentType] ?? ""
        let mediaType = value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard mediaType == "application/json" else {
            let got = value.isEmpty ? "no Content-Type" : "Content-Type '\(value.prefix(100))'"
            throw APIError(.unsupportedMediaType, "expected a body with 'Content-Type: application/json'; got \(got)")
        }
    }

    /// "jobs[0].payload.executable: missing" rather than Swift's debug text.
    static func explain(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type)), got null"
        case .dataCorrupted(let context):
            let place = path(context.codingPath)
            return (place.isEmpty ? "malformed JSON" : place) + ": " + context.debugDescription
        @unknown default:
            return "malformed request"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object (\(name))"
        }
    }
}
