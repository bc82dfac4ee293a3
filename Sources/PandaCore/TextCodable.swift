/// Why a value's text could not be read; the message is for the user and
/// says what was expected.
public struct ValueParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A value whose JSON form is the same text a user writes in the
/// configuration (`"16GB"`, `"127.0.0.1:25443"`), read back through the same
/// parser, so JSON and YAML never disagree.
///
/// ```swift
/// struct Port: TextCodable {
///     init(parsing text: String) throws(ValueParseError) { ... }
///     var description: String { ... }
/// }
/// ```
public protocol TextCodable: Codable, CustomStringConvertible {
    init(parsing text: String) throws(ValueParseError)
}

extension TextCodable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
