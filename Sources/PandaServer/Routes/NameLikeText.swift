/// A name-like value a request carries (a worker node, a pilot's id, a query
/// filter): at most 256 bytes of printable text. Such values are stored,
/// logged and shown on pages, and PostgreSQL refuses a NUL in text, so
/// anything else is answered with 400 here, before it reaches the store.
///
/// ```swift
/// try NameLikeText.check(ask.node, field: "node")
/// ```
enum NameLikeText {
    static let maxBytes = 256

    static func check(_ value: String, field: String) throws {
        guard value.utf8.count <= maxBytes, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError(.badRequest, "\(field) must be at most \(maxBytes) printable characters")
        }
    }
}
