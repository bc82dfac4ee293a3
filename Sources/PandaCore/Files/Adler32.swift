/// Adler-32 (RFC 1950), the checksum PanDA and Rucio keep for every file,
/// computed incrementally so a file is read once while it is copied.
///
/// ```swift
/// var sum = Adler32()
/// sum.update(bytes)
/// sum.hex            // "11e60398" for "Wikipedia"
/// ```
public struct Adler32: Sendable, Equatable {
    private var a: UInt32 = 1
    private var b: UInt32 = 0
    private static let modulus: UInt32 = 65521
    /// The most bytes that can be summed before b might overflow 32 bits.
    private static let blockLength = 5552

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var a = self.a, b = self.b
        var index = 0
        let count = bytes.count
        while index < count {
            let end = min(index + Self.blockLength, count)
            while index < end {
                a &+= UInt32(bytes[index])
                b &+= a
                index += 1
            }
            a %= Self.modulus
            b %= Self.modulus
        }
        self.a = a
        self.b = b
    }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    public var value: UInt32 { b << 16 | a }

    /// Eight lower-case hex digits, as PanDA writes them after `ad:`.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
