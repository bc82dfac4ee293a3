import Foundation

/// One pass over a request body before it is decoded: refuses nesting deeper
/// than a bound and an object that names the same key twice.
///
/// ```swift
/// if let problem = JSONShapeCheck(maxDepth: 32).problem(in: data) { throw APIError(.badRequest, problem) }
/// ```
/// Foundation's decoder recurses once per level (a deep body is an attack on
/// the stack) and keeps the first of two equal keys, so `{"lease":"a","lease":"b"}`
/// would mean something different to another parser. The configuration
/// language refuses duplicate keys; so does the API. Malformed JSON is left
/// for the decoder to explain.
struct JSONShapeCheck {
    let maxDepth: Int

    /// What is wrong with the body's shape, or nil.
    func problem(in data: Data) -> String? {
        data.withUnsafeBytes { problem(in: $0.bindMemory(to: UInt8.self)) }
    }

    /// The keys of one open object. A class, so adding a key changes it in
    /// place. Small objects (nearly all of them, and every hot-path request)
    /// are compared in place in the body, without copying a key; past 16 keys
    /// a set takes over, so a hostile body of a million keys stays linear.
    private final class Keys {
        let bytes: UnsafeBufferPointer<UInt8>
        var few: [Range<Int>] = []
        var many: Set<[UInt8]>?

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        /// False when the key was already there. `unescaped` is the key's
        /// text when it was written with escapes.
        func insert(_ range: Range<Int>, unescaped: [UInt8]?) -> Bool {
            if many == nil, unescaped == nil, few.count < 16 {
                let length = range.count
                let base = bytes.baseAddress!
                for other in few where other.count == length && memcmp(base + other.lowerBound, base + range.lowerBound, length) == 0 {
                    return false
                }
                few.append(range)
                return true
            }
            if many == nil { many = Set(few.map { Array(bytes[$0]) }) }
            return many!.insert(unescaped ?? Array(bytes[range])).inserted
        }
    }

    private struct Frame {
        /// Nil for an array.
        let keys: Keys?
        var expectingKey: Bool
    }

    private func problem(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var stack: [Frame] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let start = index + 1
                var end = start
                var escaped = false
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                    if bytes[end] == UInt8(ascii: "\\") { escaped = true; end += 1 }
                    end += 1
                }
                if end >= bytes.count { return nil }  // unterminated: the decoder says so
                index = end + 1
                guard let top = stack.last, let keys = top.keys, top.expectingKey else { continue }
                let unescaped = escaped ? Self.unescaped(bytes, start, end) : nil
                guard keys.insert(start..<end, unescaped: unescaped) else {
                    let key = unescaped ?? Array(bytes[start..<end])
                    return "duplicate key '\(String(decoding: key.prefix(200), as: UTF8.self))' in one JSON object"
                }
                stack[stack.count - 1].expectingKey = false
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard stack.count < maxDepth else { return "JSON nests deeper than \(maxDepth) levels" }
                stack.append(Frame(keys: byte == UInt8(ascii: "{") ? Keys(bytes) : nil, expectingKey: true))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if stack.popLast() == nil { return nil }
            case UInt8(ascii: ","):
                if !stack.isEmpty { stack[stack.count - 1].expectingKey = true }
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// A key written with escapes, as the decoder would read it, so that
    /// `"a"` and `"\u0061"` count as the same key.
    private static func unescaped(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> [UInt8] {
        let literal = Data(bytes[(start - 1)...end])
        guard let text = try? JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed) as? String else {
            return Array(bytes[start..<end])
        }
        return Array(text.utf8)
    }
}
