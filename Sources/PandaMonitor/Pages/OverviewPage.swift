import Foundation
import PandaClient
import PandaCore

/// `/`: jobs by state × queue now, finished/failed per hour and running per
/// queue over 24 h and 7 d, the top errors of 24 h, and who was heard of when.
enum OverviewPage: MonitorPage {
    struct Model: Codable, Sendable {
        var states: [String]
        var queues: [QueueCounts]
        var totals: [String: Int]
        var charts: [ChartData]
        var topErrors: [ErrorCount]
        var liveness: LivenessView

        enum CodingKeys: String, CodingKey {
            case states, queues, totals, charts, liveness
            case topErrors = "top_errors"
        }
    }

    struct QueueCounts: Codable, Sendable {
        var queue: String
        var counts: [String: Int]
    }

    struct LivenessView: Codable, Sendable {
        var serverTime: Double
        var lastPilotContact: Double?
        var lastSample: Int64?
        /// Each factory and when it last reported; nil when the viewer's token may not see them.
        var factories: [NamedTime]?

        enum CodingKeys: String, CodingKey {
            case factories
            case serverTime = "server_time", lastPilotContact = "last_pilot_contact", lastSample = "last_sample"
        }
    }

    struct NamedTime: Codable, Sendable {
        var name: String
        var at: Double?
    }

    /// Queues drawn one line each in the running charts: the busiest now.
    static let runningQueues = 5

    static func load(_ request: PageRequest) async throws -> Model {
        let api = request.api
        async let summary = api.summary()
        async let day = api.history([("resolution", "hour"), ("since", "24h")])
        async let week = api.history([("resolution", "hour"), ("since", "7d")])
        async let errors = api.errorStats([("since", "24h")])
        async let live = api.liveness()
        async let factories = try? api.pilotReports()
        let counts = try await summary
        let states = JobState.allCases.map(\.rawValue)
        let queues = counts.queues.keys.sorted().map { QueueCounts(queue: $0, counts: counts.queues[$0] ?? [:]) }
        var totals: [String: Int] = [:]
        for queue in queues { totals.merge(queue.counts, uniquingKeysWith: +) }
        let busiest = queues.sorted { ($0.counts["running"] ?? 0, $1.queue) > ($1.counts["running"] ?? 0, $0.queue) }
            .prefix(runningQueues).map(\.queue)
        let until = Int64(request.now)
        var charts = [
            ChartData.from(try await day, title: "Attempts finished and failed per hour, last 24 h", kind: .bars, unit: "attempts per hour",
                           fields: [("finished", \.finished), ("failed", \.failed)], until: until),
            ChartData.from(try await week, title: "Attempts finished and failed per hour, last 7 days", kind: .bars, unit: "attempts per hour",
                           fields: [("finished", \.finished), ("failed", \.failed)], until: until),
        ]
        // The busiest queues' histories, asked for all at once.
        let windows = [("24h", "24 h"), ("7d", "7 days")]
        let replies = try await withThrowingTaskGroup(of: (Int, HistoryReply).self) { group in
            for (index, (window, queue)) in windows.flatMap({ window in busiest.map { (window.0, $0) } }).enumerated() {
                group.addTask { (index, try await api.history([("resolution", "hour"), ("since", window), ("queue", queue)])) }
            }
            var replies: [Int: HistoryReply] = [:]
            for try await (index, reply) in group { replies[index] = reply }
            return replies
        }
        for (windowIndex, (_, label)) in windows.enumerated() {
            var series: [ChartData.Series] = []
            for (queueIndex, queue) in busiest.enumerated() {
                guard let reply = replies[windowIndex * busiest.count + queueIndex] else { continue }
                series += ChartData.from(reply, title: "", fields: [(queue, \.running)], until: until).series
            }
            charts.append(ChartData(title: "Jobs running per queue (the \(busiest.count) busiest; the most in each hour, short jobs included), last \(label)",
                                    unit: "jobs running", series: series))
        }
        let liveness = try await live
        let reports = await factories
        return Model(
            states: states, queues: queues, totals: totals, charts: charts, topErrors: Array(try await errors.errors.prefix(10)),
            liveness: LivenessView(serverTime: liveness.serverTime, lastPilotContact: liveness.lastPilotContact,
                                   lastSample: liveness.lastSample,
                                   factories: reports.map { $0.factories.map { NamedTime(name: $0.factory, at: $0.reportedAt) } }))
    }

    static func render(_ model: Model, _ request: PageRequest) -> (title: String, body: HTML) {
        let rows = model.queues.map { queue -> HTML in
            let cells = model.states.map { state -> HTML in
                "<td class=\"n\">\(Layout.count(queue.counts[state] ?? 0, ["queue": queue.queue, "state": state]))</td>"
            }.joined()
            return "<tr><td>\(Layout.link(Link.queue(queue.queue), queue.queue))</td>\(cells)</tr>"
        }
        let totalCells = model.states.map { state -> HTML in
            "<td class=\"n\">\(Layout.count(model.totals[state] ?? 0, ["state": state]))</td>"
        }.joined()
        let errors = model.topErrors.map { error -> HTML in
            """
            <tr><td>\(error.code)</td><td>\(error.name)</td><td>\(error.text)</td>\
            <td class="n">\(Layout.count(error.count, ["error": String(error.code), "since": "24h"]))</td></tr>
            """
        }
        let now = model.liveness.serverTime
        var live: [HTML] = [
            "<tr><td>server</td><td>answered at \(Format.time(now))</td></tr>",
            "<tr><td>pilots</td><td>last report about a job \(Format.ago(model.liveness.lastPilotContact, now: now))</td></tr>",
            "<tr><td>history sampler</td><td>last sample \(Format.ago(model.liveness.lastSample.map(Double.init), now: now))</td></tr>",
        ]
        if let factories = model.liveness.factories {
            live += factories.map { "<tr><td>factory \($0.name)</td><td>last report \(Format.ago($0.at, now: now))</td></tr>" }
        }
        let body: HTML = """
            <h2>Jobs by queue and state, now</h2>
            \(Layout.table(["queue"] + model.states, rows + ["<tr><th>all</th>\(totalCells)</tr>"], id: "counts"))
            <h2>Over time</h2>
            \(model.charts.map(\.svg))
            <h2>Top errors, last 24 h</h2>
            \(model.topErrors.isEmpty ? "<p>No failed attempts in the last 24 h.</p>" : Layout.table(["code", "name", "meaning", "attempts"], errors, id: "errors"))
            <p>\(Layout.link("/errors", "All errors"))</p>
            <h2>Last contact</h2>
            \(Layout.table(["part", "heard of"], live, id: "liveness"))
            """
        return ("Overview", body)
    }
}
