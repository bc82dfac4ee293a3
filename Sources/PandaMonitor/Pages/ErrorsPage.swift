import Foundation
import PandaClient
import PandaCore

/// `/errors?since=&queue=&owner=&task=`: error codes by count with their
/// text and who raises them, each broken down by queue and owner, failures
/// per hour, and codes under 1 % of the failures folded into "other".
enum ErrorsPage: MonitorPage {
    struct Model: Codable, Sendable {
        var filters: [String: String]
        var stats: ErrorStats
        /// Codes of at least 1 % of the failed attempts, busiest first.
        var errors: [ErrorCount]
        /// Attempts of the codes folded together.
        var other: Int
        var chart: ChartData
    }

    static let keys = ["since", "until", "queue", "owner", "task"]

    static func load(_ request: PageRequest) async throws -> Model {
        var pairs = request.pairs(keys)
        if request.text("since") == nil { pairs.append(("since", "24h")) }
        let stats = try await request.api.errorStats(pairs)
        let failures = stats.errors.reduce(0) { $0 + $1.count }
        let shown = stats.errors.filter { failures == 0 || $0.count * 100 >= failures }
        let other = failures - shown.reduce(0) { $0 + $1.count }
        let step: Int64 = 3600
        let hours = Array(stride(from: stats.since / step * step, through: stats.until / step * step, by: Int(step)))
        let failed = Dictionary(stats.hours.map { ($0.hour, $0.failed) }, uniquingKeysWith: +)
        let finished = Dictionary(stats.hours.map { ($0.hour, $0.finished) }, uniquingKeysWith: +)
        // Finished first, so both wear the overview's colours (green, red).
        let chart = ChartData(title: "Attempts finished and failed (or cancelled) per hour; each bar leads to its hour's errors",
                              kind: .bars, step: step, unit: "attempts per hour",
                              filters: Dictionary(uniqueKeysWithValues: pairs.filter { ["queue", "owner", "task"].contains($0.0) }), series: [
            .init(name: "finished", points: hours.map { .init(t: $0, v: finished[$0] ?? 0) }),
            .init(name: "failed or cancelled", points: hours.map { .init(t: $0, v: failed[$0] ?? 0) }),
        ])
        return Model(filters: Dictionary(uniqueKeysWithValues: pairs), stats: stats, errors: shown, other: other, chart: chart)
    }

    static func render(_ model: Model, _ request: PageRequest) -> (title: String, body: HTML) {
        let filters = model.filters
        let failures = model.stats.errors.reduce(0) { $0 + $1.count }
        // The job list shows jobs by their latest error; the window is the same.
        var base: [String: String] = [:]
        for key in ["since", "until", "queue", "owner", "task"] { base[key] = filters[key] }
        let rows = model.errors.map { error -> HTML in
            var mine = base
            mine["error"] = String(error.code)
            let breakdown = { (key: String, counts: [NamedCount]) -> HTML in
                counts.map { count -> HTML in
                    guard count.name != "other" else { return "other \(count.count)<br>" }
                    var narrowed = mine
                    narrowed[key] = count.name
                    return "\(Layout.link(Link.jobs(narrowed), count.name, attributes: " class=\"breakdown\" data-\(key)=\"\(count.name)\"")) \(count.count)<br>"
                }.joined()
            }
            return """
                <tr data-code="\(error.code)"><td>\(error.code)</td><td>\(error.name)</td><td>\(error.source)</td><td>\(error.text)</td>\
                <td class="n">\(Layout.count(error.count, mine))</td><td class="n">\(Format.percent(error.count, of: failures))</td>\
                <td>\(breakdown("queue", error.queues))</td><td>\(breakdown("owner", error.owners))</td></tr>
                """
        }
        let otherRow: [HTML] = model.other > 0 ? ["<tr><td colspan=\"4\">other (each under 1 %)</td><td class=\"n\">\(model.other)</td><td class=\"n\">\(Format.percent(model.other, of: failures))</td><td></td><td></td></tr>"] : []
        let fields = ErrorsPage.keys.map { key -> HTML in "<label>\(key) <input name=\"\(key)\" value=\"\(filters[key] ?? "")\"></label> " }.joined()
        let body: HTML = """
            <form class="filters" method="get" action="/errors">\(fields)<button>show</button></form>
            <p>Since \(Format.time(Double(model.stats.since))): \(model.stats.finished) attempts finished, \(model.stats.failed) failed, \(model.stats.cancelled) cancelled.</p>
            \(model.chart.svg)
            \(rows.isEmpty ? "<p>No failed attempts in this window.</p>" : Layout.table(["code", "name", "source", "meaning", "attempts", "share", "busiest queues", "owners"], rows + otherRow, id: "errors"))
            """
        return ("Errors", body)
    }
}
