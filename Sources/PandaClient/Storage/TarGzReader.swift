import CZlib
import Foundation

/// Reads a gzip-compressed tar archive (the pilots' log tarballs) as a
/// stream: lists its regular files, keeps the end of each, prints one, or
/// extracts them under a directory, never holding more than a bounded
/// buffer of any entry in memory.
///
/// ```swift
/// for entry in try TarGzReader.entries(of: "job.log.tgz") { print(entry.name, entry.size) }
/// try TarGzReader.extract("job.log.tgz", into: "logs/", limit: .gibibytes(2))
/// let tails = try TarGzReader.tails(of: "job.log.tgz", keeping: 64 << 10, limit: .mebibytes(256))
/// ```
/// A log tarball is made by the payload's side of a worker node, so its
/// headers are not trusted: sizes are checked (`TarHeader`), and `limit`
/// bounds how many bytes are inflated in all, so a small archive of a huge
/// run of zeros costs a bounded time instead of gigabytes.
public enum TarGzReader {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let size: Int64
    }

    /// The end of one entry's content.
    public struct Tail: Sendable, Equatable {
        public let entry: Entry
        /// At most the number of bytes asked for: the last ones of the entry.
        public let bytes: [UInt8]
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// What is inflated by default before a reader gives up: far more than
    /// a job's logs, far less than a machine's memory or patience.
    public static let defaultLimit: Int64 = 4 << 30
    /// Entries of one archive; a log tarball holds a handful.
    public static let maximumEntries = 10_000

    public static func entries(of path: String, limit: Int64 = defaultLimit) throws(Failure) -> [Entry] {
        try read(path, limit: limit) { (_, _) throws(Failure) in }
    }

    /// The last `keeping` bytes of every regular file, in archive order.
    public static func tails(of path: String, keeping: Int, limit: Int64) throws(Failure) -> [Tail] {
        var tails: [Tail] = []
        _ = try read(path, limit: limit) { (entry, content) throws(Failure) in
            var ring = TailBuffer(capacity: keeping)
            try content.forEachChunk { chunk throws(Failure) in ring.append(chunk) }
            tails.append(Tail(entry: entry, bytes: ring.bytes))
        }
        return tails
    }

    /// Writes the content of the first regular file `matches` accepts to
    /// `descriptor`; nil when there is none (the archive's entries are then
    /// listed in the failure's stead by the caller).
    public static func copy(of path: String, firstMatching matches: (String) -> Bool, to descriptor: Int32,
                            limit: Int64 = defaultLimit) throws(Failure) -> (found: Entry?, all: [Entry]) {
        var found: Entry?
        let all = try read(path, limit: limit) { (entry, content) throws(Failure) in
            guard found == nil, matches(entry.name) else { return }
            found = entry
            try content.forEachChunk { chunk throws(Failure) in try write(chunk, to: descriptor, name: entry.name) }
        }
        return (found, all)
    }

    /// Writes every regular file under `directory`; names that would leave
    /// it (absolute, or with `..`) are refused.
    @discardableResult
    public static func extract(_ path: String, into directory: String, limit: Int64 = defaultLimit) throws(Failure) -> [Entry] {
        try read(path, limit: limit) { (entry, content) throws(Failure) in
            let target = directory + "/" + entry.name
            try? FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            // No following a link someone left where a file is about to go.
            let descriptor = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw Failure(description: "cannot write \(target): \(String(cString: strerror(errno)))") }
            defer { close(descriptor) }
            try content.forEachChunk { chunk throws(Failure) in try write(chunk, to: descriptor, name: target) }
        }
    }

    private static func write(_ chunk: ArraySlice<UInt8>, to descriptor: Int32, name: String) throws(Failure) {
        var rest = chunk[...]
        while !rest.isEmpty {
            let written = rest.withUnsafeBytes { writeBytes(descriptor, $0) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw Failure(description: "cannot write \(name): \(String(cString: strerror(errno)))") }
            rest = rest.dropFirst(written)
        }
    }

    /// Walks the archive's regular files; `visit` may read an entry's
    /// content through `TarContent` or leave it, and what it leaves is
    /// skipped (inflated, not kept).
    private static func read(_ path: String, limit: Int64, _ visit: (Entry, TarContent) throws(Failure) -> Void) throws(Failure) -> [Entry] {
        let stream = try GzipStream(path: path, limit: limit)
        var entries: [Entry] = []
        var longName: String?
        var headers = 0
        while true {
            let block = try stream.exactly(512)
            if block.allSatisfy({ $0 == 0 }) { break }
            headers += 1
            guard headers <= maximumEntries * 2 else { throw Failure(description: "\(path) holds more than \(maximumEntries) entries") }
            let header: TarHeader
            do {
                // A long name is read whole, so it is bounded far lower than content.
                header = try TarHeader(block, maximumSize: min(max(limit, 0), Int64.max / 2))
            } catch {
                throw Failure(description: "\(path) is not a tar archive a pilot writes: \(error.reason)")
            }
            let content = TarContent(stream: stream, size: header.size)
            if header.isLongName {   // GNU long name for the next entry
                guard header.size <= 4096 else { throw Failure(description: "\(path) has a long name of \(header.size) bytes") }
                var bytes: [UInt8] = []
                try content.forEachChunk { chunk throws(Failure) in bytes += chunk }
                longName = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            } else {
                let name = longName ?? header.name
                longName = nil
                if header.isRegularFile {   // directories, links and pax headers are skipped
                    guard !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
                        throw Failure(description: "\(path) holds \(name), which points outside the archive's folder")
                    }
                    let entry = Entry(name: name, size: header.size)
                    try visit(entry, content)
                    entries.append(entry)
                }
            }
            try content.skipRest()
            try stream.skip(header.paddedSize - header.size)
        }
        return entries
    }
}

/// write(2), outside `TarGzReader`, whose own `write` would hide it.
private func writeBytes(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
    write(descriptor, bytes.baseAddress, bytes.count)
}

/// One entry's content, read in chunks from the archive's stream.
final class TarContent {
    private let stream: GzipStream
    private var remaining: Int64

    init(stream: GzipStream, size: Int64) {
        self.stream = stream
        remaining = size
    }

    func forEachChunk(_ body: (ArraySlice<UInt8>) throws(TarGzReader.Failure) -> Void) throws(TarGzReader.Failure) {
        while remaining > 0 {
            let chunk = try stream.upTo(Int(min(remaining, Int64(GzipStream.chunk))))
            remaining -= Int64(chunk.count)
            try body(chunk)
        }
    }

    func skipRest() throws(TarGzReader.Failure) {
        try stream.skip(remaining)
        remaining = 0
    }
}

/// The inflated bytes of a gzip file, read in chunks, with a running total
/// held under a limit.
final class GzipStream {
    static let chunk = 64 << 10
    private let file: gzFile
    private let path: String
    private let limit: Int64
    private var inflated: Int64 = 0
    private var buffer = [UInt8](repeating: 0, count: GzipStream.chunk)

    init(path: String, limit: Int64) throws(TarGzReader.Failure) {
        guard let file = gzopen(path, "rb") else { throw TarGzReader.Failure(description: "cannot open \(path)") }
        self.file = file
        self.path = path
        self.limit = limit
        gzbuffer(file, 128 << 10)
    }

    deinit { gzclose(file) }

    /// Up to `count` (≤ `chunk`) bytes; fails at the end of the stream.
    func upTo(_ count: Int) throws(TarGzReader.Failure) -> ArraySlice<UInt8> {
        guard inflated + Int64(count) <= limit else {
            throw TarGzReader.Failure(description: "\(path) inflates to more than \(limit) bytes, more than is read here")
        }
        let read = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(count)) }
        guard read > 0 else { throw TarGzReader.Failure(description: "\(path) is truncated or not a gzip tar archive") }
        inflated += Int64(read)
        return buffer[0..<Int(read)]
    }

    func exactly(_ count: Int) throws(TarGzReader.Failure) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count { bytes += try upTo(count - bytes.count) }
        return bytes
    }

    func skip(_ count: Int64) throws(TarGzReader.Failure) {
        var left = count
        while left > 0 { left -= Int64(try upTo(Int(min(left, Int64(Self.chunk)))).count) }
    }
}

/// The last `capacity` bytes appended: at most twice that is ever held,
/// and bytes are moved in bulk, not one at a time.
struct TailBuffer {
    private var storage: [UInt8] = []
    let capacity: Int

    init(capacity: Int) { self.capacity = max(0, capacity) }

    mutating func append(_ chunk: ArraySlice<UInt8>) {
        storage += chunk.suffix(capacity)
        if storage.count > 2 * capacity { storage.removeFirst(storage.count - capacity) }
    }

    var bytes: [UInt8] { Array(storage.suffix(capacity)) }
}
