import Foundation

/// The processes of a payload's group, read from /proc, for the memory watch.
///
/// ```swift
/// ProcessTree.residentBytes(ofGroup: payload.pid)   // RSS summed over the group
/// ```
enum ProcessTree {
    static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// Resident memory of every process whose process group is `group`.
    static func residentBytes(ofGroup group: pid_t) -> Int64 {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var total: Int64 = 0
        for entry in entries where entry.first?.isNumber == true {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let fields = fieldsAfterName(stat), fields.count > 21,
                  Int32(fields[2]) == group, let pages = Int64(fields[21]) else { continue }
            total += pages * pageSize
        }
        return total
    }

    /// /proc/PID/stat's fields after "(name)", which may itself hold spaces:
    /// index 0 is the state, 2 the process group, 21 the RSS in pages.
    static func fieldsAfterName(_ stat: String) -> [Substring]? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }
}
