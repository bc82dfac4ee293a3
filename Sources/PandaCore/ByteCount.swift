/// An amount of memory or disk, in bytes, written with a unit.
///
/// ```swift
/// let rss = try ByteCount(parsing: "2GB")      // 2_000_000_000 bytes
/// print(ByteCount(bytes: 1 << 30))             // "1GiB"
/// ```
/// Decimal units (kB, MB, GB, TB, PB) are powers of 1000 and binary units
/// (KiB, MiB, GiB, TiB, PiB) powers of 1024, as on a disk label and in the
/// kernel respectively. A bare number is refused: in a configuration it is too
/// easy to mean megabytes (PanDA's queuedata) and write bytes.
public struct ByteCount: Sendable, Hashable, Comparable, TextCodable {
    public let bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    public static func kilobytes(_ n: Int64) -> ByteCount { ByteCount(bytes: n * 1_000) }
    public static func megabytes(_ n: Int64) -> ByteCount { ByteCount(bytes: n * 1_000_000) }
    public static func gigabytes(_ n: Int64) -> ByteCount { ByteCount(bytes: n * 1_000_000_000) }
    public static func mebibytes(_ n: Int64) -> ByteCount { ByteCount(bytes: n << 20) }
    public static func gibibytes(_ n: Int64) -> ByteCount { ByteCount(bytes: n << 30) }
    public static func tebibytes(_ n: Int64) -> ByteCount { ByteCount(bytes: n << 40) }

    /// Units from the largest down, so formatting finds the most compact form.
    static let units: [(symbol: String, factor: Int64)] = [
        ("PiB", 1 << 50), ("PB", 1_000_000_000_000_000),
        ("TiB", 1 << 40), ("TB", 1_000_000_000_000),
        ("GiB", 1 << 30), ("GB", 1_000_000_000),
        ("MiB", 1 << 20), ("MB", 1_000_000),
        ("KiB", 1 << 10), ("kB", 1_000),
        ("B", 1),
    ]

    /// Parses `2GB`, `1.5GiB`, `512 MiB`, `100B`. Unit letters are matched
    /// without regard to case (`gib`, `Gb` and `GB` are all gigabytes or
    /// gibibytes), since nobody means bits in a configuration file.
    public init(parsing text: String) throws(ValueParseError) {
        let trimmed = text.trimmingSpaces()
        let (number, unit) = splitNumberAndUnit(trimmed)
        guard let value = parseDecimal(number) else {
            throw ValueParseError("expected a size such as 2GB or 512MiB, got '\(text)'")
        }
        guard !unit.isEmpty else {
            throw ValueParseError("'\(text)' needs a unit, such as \(number)GB or \(number)MiB")
        }
        guard let factor = Self.units.first(where: { $0.symbol.lowercased() == unit.lowercased() })?.factor
            ?? (unit.lowercased() == "kb" ? 1_000 : nil)
        else {
            throw ValueParseError("unknown size unit '\(unit)' in '\(text)'; use B, kB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB")
        }
        let total = value.scaled(by: factor)
        guard let bytes = total else {
            throw ValueParseError("size '\(text)' is too large")
        }
        self.bytes = bytes
    }

    /// The most compact exact form: `16GiB`, `2GB`, `1536MiB`, `1234B`.
    public var description: String {
        if bytes == 0 { return "0B" }
        for (symbol, factor) in Self.units where bytes % factor == 0 {
            return "\(bytes / factor)\(symbol)"
        }
        return "\(bytes)B"
    }

    public static func < (a: ByteCount, b: ByteCount) -> Bool { a.bytes < b.bytes }


    /// JSON may carry a number (bytes) from programs or text with a unit
    /// from people; it is always written as text.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            guard number >= 0 else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(number) is negative")
            }
            self = ByteCount(bytes: number)
            return
        }
        let text = try container.decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }
}
