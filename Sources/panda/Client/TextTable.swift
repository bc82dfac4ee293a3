import Foundation
import PandaCore

/// Columns padded to their widest cell, for terminal listings.
struct TextTable {
    let header: [String]
    var rows: [[String]] = []

    init(_ header: String...) {
        self.header = header
    }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

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
