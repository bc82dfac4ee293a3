import Foundation
import Hummingbird
import PandaCore

/// The query string of a read route, checked value by value: every bad
/// value is a 400 that names the parameter and what it takes.
///
/// ```swift
/// let query = ReadQuery(request)
/// let since = try query.time("since", default: now - 86_400, now: now)
/// ```
struct ReadQuery {
    let parameters: [String: String]

    init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
        self.parameters = parameters
    }

    /// A name-like value: bounded, printable, no control characters.
    func text(_ key: String) throws -> String? {
        guard let value = parameters[key], !value.isEmpty else { return nil }
        try NameLikeText.check(value, field: key)
        return value
    }

    func integer<T: FixedWidthInteger>(_ key: String, in range: ClosedRange<T>) throws -> T? {
        guard let value = parameters[key], !value.isEmpty else { return nil }
        guard let number = T(value), range.contains(number) else {
            throw APIError(.badRequest, "\(key) '\(value.prefix(40))' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func flag(_ key: String) throws -> Bool {
        guard let value = parameters[key], !value.isEmpty else { return false }
        switch value {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError(.badRequest, "\(key) '\(value.prefix(40))' must be true or false")
        }
    }

    /// A time: Unix seconds, or a duration before now (`24h`, `7d`).
    func time(_ key: String, now: Double) throws -> Double? {
        guard let value = parameters[key], !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds.isFinite, seconds >= 0, seconds < 1e11 { return seconds }
        guard let span = try? TimeSpan(parsing: value), span.milliseconds <= TimeSpan.days(3650).milliseconds else {
            throw APIError(.badRequest, "\(key) '\(value.prefix(40))' must be Unix seconds or a duration before now such as 24h or 7d")
        }
        return now - span.seconds
    }

    func oneOf<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        guard let value = parameters[key], !value.isEmpty else { return nil }
        guard let known = T(rawValue: value) else {
            throw APIError(.badRequest, "\(key) '\(value.prefix(40))' must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return known
    }
}
