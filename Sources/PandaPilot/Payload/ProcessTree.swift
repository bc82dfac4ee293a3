import Foundation
import PandaSystem

/// The processes of a payload's group, read from /proc, for the memory watch.
///
/// ```swift
/// ProcessTree.residentBytes(ofGroup: payload.pid)   // RSS summed over the group
/// ```
enum ProcessTree {
    static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// Resident memory of every process whose process group is `group`.
    static func residentBytes(ofGroup group: pid_t) -> Int64 {
        var total: Int64 = 0
        for entry in processIDs() {
            guard let stat = SmallFile.text("/proc/\(entry)/stat"),
                  let fields = fieldsAfterName(stat), fields.count > 21,
                  Int32(fields[2]) == group, let pages = Int64(fields[21]) else { continue }
            total += pages * pageSize
        }
        return total
    }

    /// The numeric entries of /proc, read with readdir (see SmallFile for why not Foundation).
    static func processIDs() -> [String] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.first?.isNumber == true { names.append(name) }
        }
        return names
    }

    /// /proc/PID/stat's fields after "(name)", which may itself hold spaces:
    /// index 0 is the state, 2 the process group, 21 the RSS in pages.
    static func fieldsAfterName(_ stat: String) -> [Substring]? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }
}
