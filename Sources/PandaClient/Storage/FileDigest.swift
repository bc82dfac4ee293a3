import Crypto
import PandaCore

/// Size and checksums of bytes as they stream past, so a transfer reads a
/// file once. MD5 is computed only when someone will compare it.
///
/// ```swift
/// var digest = FileDigest(md5: false)
/// digest.update(chunk)
/// digest.summary.adler32.description     // "ad:0a1b2c3d"
/// ```
public struct FileDigest {
    public private(set) var size: Int64 = 0
    private var adler = Adler32()
    private var md5Hasher: Insecure.MD5?

    public init(md5: Bool) {
        md5Hasher = md5 ? Insecure.MD5() : nil
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        size += Int64(bytes.count)
        adler.update(bytes)
        md5Hasher?.update(bufferPointer: bytes)
    }

    /// What was summed so far.
    public var summary: FileSummary {
        FileSummary(size: size, adler32: Checksum(adler32: adler),
                    md5: md5Hasher.map { hasher in Checksum(md5Hex: hasher.finalize().map { String(format: "%02x", $0) }.joined()) })
    }

    /// Size and checksums of a local file, read in large chunks.
    public static func of(file path: String, md5: Bool = false) throws(StorageError) -> FileSummary {
        let input = try LocalFile.openForReading(path)
        defer { input.close() }
        var digest = FileDigest(md5: md5)
        try input.readAll { digest.update($0) }
        return digest.summary
    }
}

/// The size and checksums of a file as it was read or transferred.
public struct FileSummary: Sendable, Equatable {
    public let size: Int64
    public let adler32: Checksum
    /// Present when it was asked for.
    public let md5: Checksum?

    /// Whether the file has the checksum given (in either algorithm); an md5
    /// that was not computed does not match.
    public func matches(_ expected: Checksum) -> Bool {
        switch expected.algorithm {
        case .adler32: return adler32 == expected
        case .md5: return md5 == expected
        }
    }
}
