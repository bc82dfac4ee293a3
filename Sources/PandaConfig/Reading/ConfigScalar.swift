import Foundation
import PandaCore

/// A value written as one YAML scalar, read by the schema's type rather than
/// by YAML's implicit typing (so `no` is never `false`, and `010` is ten).
///
/// ```swift
/// extension ListenAddress: ConfigScalar { ... }
/// reader.value("listen", default: ListenAddress.loopback(25443))
/// ```
protocol ConfigScalar {
    /// What a value looks like, for "expected …" messages.
    static var expectation: String { get }
    /// The value, or a message that says what is wrong with the text.
    static func parse(_ text: String) -> Result<Self, ValueProblem>
}

/// A message about one scalar's text; the reader adds file, line and key.
struct ValueProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Int: ConfigScalar {
    static var expectation: String { "a whole number" }
    static func parse(_ text: String) -> Result<Int, ValueProblem> {
        let digits = text.replacingOccurrences(of: "_", with: "")
        guard let value = Int(digits) else { return .failure(ValueProblem("expected a whole number, got '\(text)'")) }
        return .success(value)
    }
}

extension Bool: ConfigScalar {
    static var expectation: String { "true or false" }
    // Only true and false: YAML 1.1's yes/no/on/off turn country codes and
    // answers into booleans by surprise.
    static func parse(_ text: String) -> Result<Bool, ValueProblem> {
        switch text.lowercased() {
        case "true": return .success(true)
        case "false": return .success(false)
        default: return .failure(ValueProblem("expected true or false, got '\(text)'"))
        }
    }
}

extension String: ConfigScalar {
    static var expectation: String { "a string" }
    static func parse(_ text: String) -> Result<String, ValueProblem> {
        text.isEmpty ? .failure(ValueProblem("expected a non-empty string")) : .success(text)
    }
}

extension ByteCount: ConfigScalar {
    static var expectation: String { "a size such as 2GB or 512MiB" }
    static func parse(_ text: String) -> Result<ByteCount, ValueProblem> {
        do { return .success(try ByteCount(parsing: text)) } catch { return .failure(ValueProblem(error.message)) }
    }
}

extension TimeSpan: ConfigScalar {
    static var expectation: String { "a duration such as 90s, 30m, 48h or 2d" }
    static func parse(_ text: String) -> Result<TimeSpan, ValueProblem> {
        do { return .success(try TimeSpan(parsing: text)) } catch { return .failure(ValueProblem(error.message)) }
    }
}

/// Enumerations read by their raw names, with a suggestion for typos.
protocol ConfigEnum: ConfigScalar, CaseIterable, RawRepresentable<String> {}

extension ConfigEnum {
    static var expectation: String { "one of " + allCases.map(\.rawValue).joined(separator: ", ") }
    static func parse(_ text: String) -> Result<Self, ValueProblem> {
        if let value = Self(rawValue: text) { return .success(value) }
        let names = allCases.map(\.rawValue)
        return .failure(ValueProblem("'\(text)' is not \(expectation)\(Suggestion.hint(for: text, in: names))"))
    }
}

extension QueueStatus: ConfigEnum {}
extension BatchSystem: ConfigEnum {}
extension CopyTool: ConfigEnum {}
