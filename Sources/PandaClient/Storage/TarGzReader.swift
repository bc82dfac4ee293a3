import CZlib
import Foundation

/// Reads a gzip-compressed tar archive (the pilots' log tarballs): lists
/// its regular files, and extracts them under a directory.
///
/// ```swift
/// for entry in try TarGzReader.entries(of: "job.log.tgz") { print(entry.name, entry.size) }
/// try TarGzReader.extract("job.log.tgz", into: "logs/")
/// ```
public enum TarGzReader {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let size: Int64
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func entries(of path: String) throws(Failure) -> [Entry] {
        try read(path) { (_, _) throws(Failure) in }
    }

    /// Writes every regular file under `directory`; names that would leave
    /// it (absolute, or with `..`) are refused.
    @discardableResult
    public static func extract(_ path: String, into directory: String) throws(Failure) -> [Entry] {
        try read(path) { (entry, bytes) throws(Failure) in
            let target = directory + "/" + entry.name
            try? FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: target, contents: Data(bytes)) else {
                throw Failure(description: "cannot write \(target)")
            }
        }
    }

    private static func read(_ path: String, _ visit: (Entry, [UInt8]) throws(Failure) -> Void) throws(Failure) -> [Entry] {
        guard let archive = gzopen(path, "rb") else { throw Failure(description: "cannot open \(path)") }
        defer { gzclose(archive) }
        var entries: [Entry] = []
        var longName: String?
        while true {
            let header = try block(archive, count: 512, path: path)
            if header.allSatisfy({ $0 == 0 }) { break }
            guard let size = octal(header[124..<136]) else { throw Failure(description: "\(path) is not a tar archive") }
            let padded = Int((size + 511) / 512 * 512)
            let content = try block(archive, count: padded, path: path)
            let type = header[156]
            if type == UInt8(ascii: "L") {   // GNU long name for the next entry
                longName = String(decoding: content.prefix(Int(size)).prefix { $0 != 0 }, as: UTF8.self)
                continue
            }
            var name = longName ?? text(header[0..<100])
            longName = nil
            let prefix = text(header[345..<500])
            if !prefix.isEmpty && header[257..<262].elementsEqual("ustar".utf8) { name = prefix + "/" + name }
            guard type == 0 || type == UInt8(ascii: "0") else { continue }   // directories, links, pax headers
            guard !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
                throw Failure(description: "\(path) holds \(name), which points outside the archive's folder")
            }
            let entry = Entry(name: name, size: size)
            try visit(entry, Array(content.prefix(Int(size))))
            entries.append(entry)
        }
        return entries
    }

    private static func block(_ archive: gzFile, count: Int, path: String) throws(Failure) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { gzread(archive, $0.baseAddress, UInt32(count)) }
        guard read == Int32(count) else { throw Failure(description: "\(path) is truncated or not a gzip tar archive") }
        return bytes
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func octal(_ bytes: ArraySlice<UInt8>) -> Int64? {
        let digits = text(bytes).trimmingCharacters(in: .whitespaces)
        return digits.isEmpty ? 0 : Int64(digits, radix: 8)
    }
}
