/// A length of time written with units: `90s`, `30m`, `48h`, `2d`, `1h30m`,
/// `500ms`. Kept in milliseconds, which is fine enough for every timeout and
/// interval panda has and exact for all of them.
///
/// ```swift
/// let heartbeat = try TimeSpan(parsing: "30m")
/// heartbeat.seconds       // 1800.0
/// ```
/// Named `TimeSpan` rather than `Duration` so that it never shadows the
/// standard library's `Duration`, which the concurrency code uses for sleeps.
public struct TimeSpan: Sendable, Hashable, Comparable, TextCodable {
    public let milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func milliseconds(_ n: Int64) -> TimeSpan { TimeSpan(milliseconds: n) }
    public static func seconds(_ n: Int64) -> TimeSpan { TimeSpan(milliseconds: n * 1_000) }
    public static func minutes(_ n: Int64) -> TimeSpan { .seconds(n * 60) }
    public static func hours(_ n: Int64) -> TimeSpan { .seconds(n * 3_600) }
    public static func days(_ n: Int64) -> TimeSpan { .seconds(n * 86_400) }

    public var seconds: Double { Double(milliseconds) / 1_000 }

    /// The standard library's form, for sleeping and deadlines.
    public var duration: Duration { .milliseconds(milliseconds) }

    static let units: [(symbol: String, factor: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// Parses one or more number-unit pairs (`1h30m`, `1.5h`, `2d`).
    public init(parsing text: String) throws(ValueParseError) {
        var rest = Substring(text.trimmingSpaces())
        guard !rest.isEmpty else {
            throw ValueParseError("expected a duration such as 90s, 30m, 48h or 2d, got an empty value")
        }
        var total: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isNumber || $0 == "." })
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix(while: { $0.isLetter })
            rest = rest.dropFirst(unit.count).drop(while: { $0 == " " })
            guard let value = parseDecimal(String(digits)) else {
                throw ValueParseError("expected a duration such as 90s, 30m, 48h or 2d, got '\(text)'")
            }
            guard !unit.isEmpty else {
                throw ValueParseError("'\(text)' needs a unit, such as \(digits)s, \(digits)m or \(digits)h")
            }
            guard let factor = Self.units.first(where: { $0.symbol == unit.lowercased() })?.factor else {
                throw ValueParseError("unknown duration unit '\(unit)' in '\(text)'; use ms, s, m, h or d")
            }
            guard let part = value.scaled(by: factor), case (let sum, false) = total.addingReportingOverflow(part) else {
                throw ValueParseError("duration '\(text)' is too long")
            }
            total = sum
        }
        self.milliseconds = total
    }

    /// Largest units first: `1h30m`, `2d`, `45s`, `250ms`.
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var text = milliseconds < 0 ? "-" : ""
        rest = abs(rest)
        for (symbol, factor) in Self.units where rest >= factor {
            text += "\(rest / factor)\(symbol)"
            rest %= factor
        }
        return text
    }

    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.milliseconds < b.milliseconds }


    /// JSON may carry a number (seconds) from programs or text with a unit
    /// from people; it is always written as text.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            guard number >= 0 else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(number) is negative")
            }
            // 9223372036854775807 seconds must be an error, not an overflow trap.
            guard case (let milliseconds, false) = number.multipliedReportingOverflow(by: 1_000) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(number) seconds is too long")
            }
            self = TimeSpan(milliseconds: milliseconds)
            return
        }
        let text = try container.decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }
}
