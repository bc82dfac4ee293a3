/// A non-negative decimal number kept exactly as integer and fraction digits,
/// so `1.5GiB` becomes an exact byte count without floating-point rounding.
struct DecimalNumber {
    var whole: Int64
    var fraction: [Int64]   // digits after the point

    /// `value × factor`, rounded to the nearest unit; nil on overflow.
    func scaled(by factor: Int64) -> Int64? {
        guard case (let base, false) = whole.multipliedReportingOverflow(by: factor) else { return nil }
        guard !fraction.isEmpty else { return base }
        // The fraction digits as an integer over 10^digits, times the factor.
        let numerator = fraction.reduce(Int64(0)) { $0 * 10 + $1 }
        let denominator = fraction.reduce(Int64(1)) { acc, _ in acc * 10 }
        guard case (let product, false) = numerator.multipliedReportingOverflow(by: factor) else { return nil }
        let part = (product + denominator / 2) / denominator
        guard case (let sum, false) = base.addingReportingOverflow(part) else { return nil }
        return sum
    }
}

func parseDecimal(_ text: String) -> DecimalNumber? {
    let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
    guard pieces.count <= 2, let head = pieces.first, !head.isEmpty,
          head.allSatisfy(\.isASCIIDigit), let whole = Int64(head) else { return nil }
    var fraction: [Int64] = []
    if pieces.count == 2 {
        let tail = pieces[1]
        guard !tail.isEmpty, tail.count <= 9, tail.allSatisfy(\.isASCIIDigit) else { return nil }
        fraction = tail.map { Int64($0.asciiValue! - 48) }
    }
    return DecimalNumber(whole: whole, fraction: fraction)
}

/// `"512 MiB"` → (`"512"`, `"MiB"`).
func splitNumberAndUnit(_ text: String) -> (number: String, unit: String) {
    let number = text.prefix(while: { $0.isASCIIDigit || $0 == "." })
    let unit = text.dropFirst(number.count).drop(while: { $0 == " " })
    return (String(number), String(unit))
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
