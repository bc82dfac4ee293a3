/// A file checksum as PanDA writes it: `ad:` and 8 hex digits (adler32), or
/// `md5:` and 32.
///
/// ```swift
/// Checksum("ad:0a1b2c3d")?.algorithm   // .adler32
/// ```
public struct Checksum: Sendable, Hashable, CustomStringConvertible {
    public enum Algorithm: String, Sendable {
        case adler32 = "ad"
        case md5
    }

    public let algorithm: Algorithm
    /// Lower-case hex digits.
    public let hex: String

    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let algorithm = Algorithm(rawValue: String(parts[0])),
              parts[1].allSatisfy(\.isHexDigit), parts[1].count == (algorithm == .adler32 ? 8 : 32) else { return nil }
        self.algorithm = algorithm
        self.hex = parts[1].lowercased()
    }

    public init(adler32: Adler32) {
        algorithm = .adler32
        hex = adler32.hex
    }

    public init(md5Hex: String) {
        algorithm = .md5
        hex = md5Hex.lowercased()
    }

    public var description: String { "\(algorithm.rawValue):\(hex)" }

    public static func isWellFormed(_ text: String) -> Bool { Checksum(text) != nil }
}
