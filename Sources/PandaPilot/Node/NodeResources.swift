import Foundation
import PandaCore
import PandaSystem

/// What this worker node offers a job now: cores the pilot may use, memory
/// available, free disk in the work area.
///
/// ```swift
/// let node = NodeResources.measure(workArea: "/scratch")
/// node.cores; node.memory; node.disk
/// ```
struct NodeResources: Sendable, Equatable {
    var hostname: String
    var cores: Int
    var memory: ByteCount
    var disk: ByteCount

    static func measure(workArea: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> NodeResources {
        NodeResources(
            hostname: ProcessInfo.processInfo.hostName,
            cores: BatchSlot.cores(environment: environment) ?? allowedCPUs() ?? ProcessInfo.processInfo.activeProcessorCount,
            memory: availableMemory(),
            disk: freeDisk(at: workArea))
    }

    /// Free bytes for an unprivileged user on the file system of `path`.
    static func freeDisk(at path: String) -> ByteCount {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return ByteCount(bytes: 0) }
        return ByteCount(bytes: Int64(info.f_bavail) * Int64(info.f_frsize))
    }

    /// MemAvailable, or the cgroup's limit when that is smaller (a batch slot
    /// is usually a cgroup).
    static func availableMemory() -> ByteCount {
        var available = Int64.max
        if let meminfo = SmallFile.text("/proc/meminfo"),
           let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kib = Int64(line.split(separator: " ").dropFirst().first ?? "") {
            available = kib * 1024
        }
        if let text = SmallFile.text("/sys/fs/cgroup/memory.max"),
           let limit = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            available = min(available, limit)
        }
        return ByteCount(bytes: available == .max ? 0 : available)
    }

    /// The CPUs this process may run on (`Cpus_allowed_list`: "0-3,8").
    static func allowedCPUs() -> Int? {
        guard let status = SmallFile.text("/proc/self/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        var count = 0
        for range in line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces).split(separator: ",") {
            let ends = range.split(separator: "-").compactMap { Int($0) }
            count += ends.count == 2 ? ends[1] - ends[0] + 1 : 1
        }
        return count > 0 ? count : nil
    }
}
