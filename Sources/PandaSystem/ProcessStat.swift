import Foundation

/// One process as /proc/PID/stat shows it: what the pilot's memory watch,
/// the factory's local adapter and the tests need to know of a process.
///
/// ```swift
/// ProcessStat(pid: 4242)?.isRunning           // false for a zombie or a gone process
/// ProcessStat.all().filter { $0.group == payload }
/// ```
public struct ProcessStat: Sendable, Equatable {
    public let pid: pid_t
    /// The state letter: R, S, D, Z, T…
    public let state: Character
    public let parent: pid_t
    public let group: pid_t
    public let residentPages: Int64
    /// When it started, in clock ticks after boot (field 22): with the pid,
    /// what tells a process from a later one that got the same pid.
    public let startTime: UInt64

    public static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// Nil when the process does not exist (or /proc cannot be read).
    public init?(pid: pid_t) {
        // SmallFile, not Foundation: /proc files report size 0 (see SmallFile).
        guard let text = SmallFile.text("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // After "(name)", which may itself hold spaces: 0 state, 1 parent, 2 process group, 19 start time, 21 RSS pages.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 21, let state = fields[0].first, let parent = pid_t(fields[1]), let group = pid_t(fields[2]),
              let pages = Int64(fields[21]), let started = UInt64(fields[19]) else { return nil }
        self.pid = pid
        self.state = state
        self.parent = parent
        self.group = group
        self.residentPages = pages
        self.startTime = started
    }

    /// Exists and is not a zombie (a zombie has ended; only its reaping is pending).
    public var isRunning: Bool { state != "Z" }

    public var residentBytes: Int64 { residentPages * Self.pageSize }

    /// Every process now, read with readdir.
    public static func all() -> [ProcessStat] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var stats: [ProcessStat] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let pid = pid_t(name), let stat = ProcessStat(pid: pid) { stats.append(stat) }
        }
        return stats
    }

    /// Whether `pid` exists and is not a zombie.
    public static func isRunning(_ pid: pid_t) -> Bool {
        ProcessStat(pid: pid)?.isRunning ?? false
    }
}
