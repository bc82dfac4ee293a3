import Foundation
import PandaCore

/// A pilot3 request's fields, with typed readers. Every number arrives as
/// text (form encoding) or was turned into text (`LegacyScalar`), so each
/// one is parsed here, once, against the range panda can store and compute
/// with: a value that is present but not a number in range is a 400 naming
/// the field, never a trap in later arithmetic or a value the store cannot
/// encode (`nan`, `inf`).
///
/// ```swift
/// let rss = try fields.integer("maxRSS", in: 0...LegacyFields.maxKilobytes)   // nil when absent
/// let cpu = try fields.number("cpuConsumptionTime", in: 0...LegacyFields.maxSeconds)
/// ```
struct LegacyFields: Sendable {
    let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    /// Kilobytes that still fit in a byte count (pilot3 reports memory in kB).
    static let maxKilobytes = Int64.max / 1024
    /// Seconds any step or CPU figure may take: about 3,000 years of one
    /// core, far beyond a job, and small enough that sums stay finite.
    static let maxSeconds = 1e11
    /// Exit and error codes: what a process or pilot3's catalogue can give.
    static let codes = Int64(Int32.min)...Int64(Int32.max)

    /// The value, nil when absent, empty, or pilot3's "None"/"NULL".
    func string(_ key: String) -> String? {
        guard let value = values[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty,
              value != "None", value != "NULL" else { return nil }
        return value
    }

    /// A whole number in `range`; "12.0" counts (pilot3 sends some counts as
    /// floats). Nil when absent; 400 when present and anything else.
    func integer(_ key: String, in range: ClosedRange<Int64>) throws(LegacyError) -> Int64? {
        guard let text = string(key) else { return nil }
        guard let value = Self.wholeNumber(text), range.contains(value) else {
            throw LegacyError(.badRequest, "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound); got \(PathName.quoted(text))")
        }
        return value
    }

    /// A finite number in `range`. Nil when absent; 400 when present and anything else.
    func number(_ key: String, in range: ClosedRange<Double>) throws(LegacyError) -> Double? {
        guard let text = string(key) else { return nil }
        return try Self.number(text, named: key, in: range)
    }

    /// `text` as a finite number in `range`, else 400 naming `name`.
    static func number(_ text: some StringProtocol, named name: String, in range: ClosedRange<Double>) throws(LegacyError) -> Double {
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw LegacyError(.badRequest, "\(name) must be a number from \(range.lowerBound) to \(range.upperBound); got \(PathName.quoted(String(text)))")
        }
        return value
    }

    /// "42", or "42.0" and "4.2e1": a float that is exactly a 64-bit whole number.
    static func wholeNumber(_ text: String) -> Int64? {
        if let value = Int64(text) { return value }
        guard let double = Double(text), double.isFinite else { return nil }
        // Int64(exactly:) is nil for a fraction and for anything beyond Int64's range.
        return Int64(exactly: double)
    }
}
