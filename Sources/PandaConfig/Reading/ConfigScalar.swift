import Foundation
import PandaCore

/// A value written as one YAML scalar, read by the schema's type rather than
/// by YAML's implicit typing (so `no` is never `false`, and `010` is ten).
///
/// ```swift
/// extension ListenAddress: ConfigScalar { static var expectation: String { "HOST:PORT" } }
/// reader.value("listen", default: ListenAddress(host: "127.0.0.1", port: 25443))
/// ```
protocol ConfigScalar {
    /// What a value looks like, for "expected …" messages.
    static var expectation: String { get }
    /// Reads the text; the error says what is wrong with it, and the reader
    /// adds file, line and key.
    init(configText text: String) throws(ValueParseError)
}

extension ConfigScalar where Self: TextCodable {
    init(configText text: String) throws(ValueParseError) {
        try self.init(parsing: text)
    }
}

extension Int: ConfigScalar {
    static var expectation: String { "a whole number" }
    init(configText text: String) throws(ValueParseError) {
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw ValueParseError("expected a whole number, got '\(text)'")
        }
        self = value
    }
}

extension Bool: ConfigScalar {
    static var expectation: String { "true or false" }
    // Only true and false: YAML 1.1's yes/no/on/off turn country codes and
    // answers into booleans by surprise.
    init(configText text: String) throws(ValueParseError) {
        switch text.lowercased() {
        case "true": self = true
        case "false": self = false
        default: throw ValueParseError("expected true or false, got '\(text)'")
        }
    }
}

extension String: ConfigScalar {
    static var expectation: String { "a string" }
    init(configText text: String) throws(ValueParseError) {
        guard !text.isEmpty else { throw ValueParseError("expected a non-empty string") }
        self = text
    }
}

extension ByteCount: ConfigScalar {
    static var expectation: String { "a size such as 2GB or 512MiB" }
}

extension TimeSpan: ConfigScalar {
    static var expectation: String { "a duration such as 90s, 30m, 48h or 2d" }
}

/// Enumerations read by their raw names, with a suggestion for typos.
protocol ConfigEnum: ConfigScalar, CaseIterable, RawRepresentable<String> {}

extension ConfigEnum {
    static var expectation: String { "one of " + allCases.map(\.rawValue).joined(separator: ", ") }
    init(configText text: String) throws(ValueParseError) {
        guard let value = Self(rawValue: text) else {
            let names = Self.allCases.map(\.rawValue)
            throw ValueParseError("'\(text)' is not \(Self.expectation)\(Suggestion.hint(for: text, in: names))")
        }
        self = value
    }
}

extension QueueStatus: ConfigEnum {}
extension BatchSystem: ConfigEnum {}
extension CopyTool: ConfigEnum {}
