/// One 512-byte tar header block, read with the distrust a file from a
/// payload deserves: the size field is parsed with checked arithmetic in
/// both encodings tar uses (octal text and GNU base-256) and refused when
/// negative or above a caller's bound, before anything is allocated for it.
///
/// ```swift
/// let header = try TarHeader(block, maximumSize: 1 << 30)
/// print(header.name, header.size, header.isRegularFile)
/// ```
struct TarHeader {
    /// The entry's size as the header states it, checked.
    let size: Int64
    /// The type flag: `0` or NUL for a regular file, `L` for a GNU long name.
    let type: UInt8
    let name: String

    var isRegularFile: Bool { type == 0 || type == UInt8(ascii: "0") }
    var isLongName: Bool { type == UInt8(ascii: "L") }
    /// The bytes the entry's content occupies in the archive: its size rounded up to whole blocks.
    var paddedSize: Int64 { (size + 511) / 512 * 512 }   // size <= maximum < Int64.max - 511: no overflow

    struct Malformed: Error {
        let reason: String
    }

    /// `maximumSize` must be below `Int64.max - 511`.
    init(_ block: [UInt8], maximumSize: Int64) throws(Malformed) {
        precondition(block.count == 512 && maximumSize < Int64.max - 511)
        guard Self.checksumMatches(block) else { throw Malformed(reason: "a header's checksum does not match") }
        guard let size = Self.number(block[124..<136]) else { throw Malformed(reason: "a header's size field is not a number") }
        guard size >= 0 else { throw Malformed(reason: "a header states a negative size (\(size))") }
        guard size <= maximumSize else {
            throw Malformed(reason: "a header states a size of \(size) bytes, more than the \(maximumSize) read here")
        }
        self.size = size
        type = block[156]
        var name = Self.text(block[0..<100])
        let prefix = Self.text(block[345..<500])
        if !prefix.isEmpty && block[257..<262].elementsEqual("ustar".utf8) { name = prefix + "/" + name }
        self.name = name
    }

    /// An octal number in text (leading spaces, ending at NUL or space), or
    /// GNU's base-256: high bit of the first byte set, the rest big-endian,
    /// the next bit the sign. Nil for anything else, or a value past Int64.
    static func number(_ field: ArraySlice<UInt8>) -> Int64? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            guard first & 0x40 == 0 else { return -1 }   // negative in base-256
            var value: Int64 = Int64(first & 0x3f)
            for byte in field.dropFirst() {
                let (shifted, overflow) = value.multipliedReportingOverflow(by: 256)
                guard !overflow else { return nil }
                value = shifted | Int64(byte)
            }
            return value
        }
        var digits = field.drop { $0 == UInt8(ascii: " ") }
        if let end = digits.firstIndex(where: { $0 == 0 || $0 == UInt8(ascii: " ") }) {
            // Only NULs and spaces may follow the digits.
            guard digits[end...].allSatisfy({ $0 == 0 || $0 == UInt8(ascii: " ") }) else { return nil }
            digits = digits[..<end]
        }
        if digits.first == UInt8(ascii: "-") { return Int64(String(decoding: digits, as: UTF8.self), radix: 8) }
        var value: Int64 = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(digit) else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 8)
            guard !overflow else { return nil }
            value = shifted + Int64(digit - UInt8(ascii: "0"))
        }
        return value
    }

    /// The header checksum: the sum of its bytes with the checksum field
    /// counted as spaces. A block of garbage is then an error, not an entry.
    static func checksumMatches(_ block: [UInt8]) -> Bool {
        guard let stated = number(block[148..<156]) else { return false }
        var unsigned: Int64 = 0
        var signed: Int64 = 0   // some old tars summed signed bytes
        for (index, byte) in block.enumerated() {
            let value = (148..<156).contains(index) ? UInt8(ascii: " ") : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        return stated == unsigned || stated == signed
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
