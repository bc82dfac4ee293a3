import Foundation
import PandaCore

// Values as people read them in the user commands' output.

/// A Unix time as local date and time, to the second.
func localTime(_ seconds: Double) -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter.string(from: Date(timeIntervalSince1970: seconds))
}

/// "12.4 MB": a size for people.
func humanBytes(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

/// An error code with its catalogue name, as "1305 payloadFailed".
func errorText(code: Int?, diagnostic: String?) -> String {
    guard code != nil || diagnostic != nil else { return "" }
    let name = code.map { "\($0) \(ErrorCode.lookup($0).name)" } ?? ""
    return [name, diagnostic ?? ""].filter { !$0.isEmpty }.joined(separator: ": ")
}

/// "[#########.....................]": `done` of `total` as a bar.
func progressBar(_ done: Int, of total: Int, width: Int = 30) -> String {
    let filled = total == 0 ? width : width * min(done, total) / total
    return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
}
