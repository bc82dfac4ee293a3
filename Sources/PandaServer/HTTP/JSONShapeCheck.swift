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
    /// place; small objects (nearly all of them) are searched linearly, large
    /// ones through a set, so a hostile body of a million keys stays linear.
    private final class Keys {
        var few: [ArraySlice<UInt8>] = []
        var many: Set<ArraySlice<UInt8>>?

        /// False when `key` was already there.
        func insert(_ key: ArraySlice<UInt8>) -> Bool {
            if many != nil { return many!.insert(key).inserted }
            if few.contains(key) { return false }
            few.append(key)
            if few.count > 16 { many = Set(few); few = [] }
            return true
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
                let key = escaped ? Self.unescaped(bytes, start, end) : Array(bytes[start..<end])[...]
                guard keys.insert(key) else {
                    return "duplicate key '\(String(decoding: key, as: UTF8.self))' in one JSON object"
                }
                stack[stack.count - 1].expectingKey = false
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard stack.count < maxDepth else { return "JSON nests deeper than \(maxDepth) levels" }
                stack.append(Frame(keys: byte == UInt8(ascii: "{") ? Keys() : nil, expectingKey: true))
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
    private static func unescaped(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> ArraySlice<UInt8> {
        let literal = Data(bytes[(start - 1)...end])
        guard let text = try? JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed) as? String else {
            return Array(bytes[start..<end])[...]
        }
        return Array(text.utf8)[...]
    }
}
