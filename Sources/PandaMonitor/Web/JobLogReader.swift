import Foundation
import PandaClient
import PandaCore

/// Fetches a job's log tarball from its storage (the URL the pilot
/// reported), checks it against its recorded checksum, and keeps the end of
/// each file in it for the job page. Ended jobs' logs never change, so the
/// last few read are kept in memory.
///
/// ```swift
/// let files = try await reader.files(of: jobID, log: storedLog)   // ["payload.stdout": "...", ...]
/// ```
actor JobLogReader {
    /// Bigger tarballs are not fetched for a page view.
    static let maxTarball: Int64 = 64 << 20
    /// The end of each file shown inline.
    static let shownBytes = 64 << 10
    /// Inflated bytes read for one page view at most: a tarball of a few MB
    /// of compressed zeros would otherwise cost gigabytes and seconds.
    static let maxInflated: Int64 = 256 << 20
    static let cached = 32

    private let storage = StorageAccess(settings: HTTPSettings(timeout: .seconds(20)))
    private var cache: [Int64: [LogFile]] = [:]
    private var order: [Int64] = []
    /// The storage endpoints of the configuration: the only places a log is read from.
    private let endpoints: [StorageLocation]

    init(endpoints: [String]) {
        self.endpoints = endpoints.compactMap(StorageLocation.init)
    }

    /// Whether `url` lies under a configured storage endpoint. A pilot
    /// reports the log's URL, so without this check a hostile one could make
    /// the monitor read its own host's files or call other hosts.
    func permitted(_ url: String) -> Bool {
        guard let location = StorageLocation(url) else { return false }
        return endpoints.contains { endpoint in
            switch (endpoint, location) {
            case (.local(let base), .local(let path)):
                let standard = (path as NSString).standardizingPath
                guard !path.split(separator: "/").contains("..") else { return false }
                let root = base.hasSuffix("/") ? base : base + "/"
                return standard.hasPrefix(root)
            case (.http(let base), .http(let target)):
                guard !target.contains("/../"), !target.hasSuffix("/..") else { return false }
                return target.hasPrefix(base.hasSuffix("/") ? base : base + "/")
            default:
                return false
            }
        }
    }

    func files(of job: Int64, log: StoredFile) async throws -> [LogFile] {
        if let files = cache[job] { return files }
        guard permitted(log.url) else {
            throw LogError("\(log.url) is not under a storage endpoint of this monitor's configuration, so it is not read")
        }
        guard log.size <= Self.maxTarball else {
            throw LogError("the log tarball is \(Format.bytes(log.size)), more than the \(Format.bytes(Self.maxTarball)) shown inline; use panda logs \(job)")
        }
        let scratch = NSTemporaryDirectory() + "panda-monitor-log-\(job)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let tarball = scratch + "/log.tgz"
        do {
            let fetched = try await storage.get(log.url, to: tarball, md5: false)
            if let expected = Checksum(log.checksum), !fetched.matches(expected) {
                throw LogError("\(log.url) does not match its recorded checksum \(log.checksum)")
            }
        } catch let error as StorageError {
            throw LogError("cannot fetch \(log.url): \(error)")
        }
        let tails: [TarGzReader.Tail]
        do {
            tails = try TarGzReader.tails(of: tarball, keeping: Self.shownBytes, limit: Self.maxInflated)
        } catch {
            throw LogError("\(log.lfn): \(error); use panda logs \(job)")
        }
        let files = tails.map { tail -> LogFile in
            LogFile(name: tail.entry.name, size: tail.entry.size, truncated: tail.entry.size > Int64(tail.bytes.count),
                    text: String(decoding: tail.bytes, as: UTF8.self))
        }.sorted { Self.rank($0.name) < Self.rank($1.name) }
        cache[job] = files
        order.append(job)
        if order.count > Self.cached { cache[order.removeFirst()] = nil }
        return files
    }

    /// stdout first, then stderr, the pilot's log, and the rest by name.
    static func rank(_ name: String) -> (Int, String) {
        let base = (name as NSString).lastPathComponent
        let order = ["payload.stdout", "payload.stderr", "pilot.log"]
        return (order.firstIndex(of: base) ?? order.count, name)
    }
}

/// One file of a log tarball: its end, as text.
struct LogFile: Codable, Sendable, Equatable {
    var name: String
    var size: Int64
    /// Only the last `JobLogReader.shownBytes` are in `text`.
    var truncated: Bool
    var text: String
}

struct LogError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
