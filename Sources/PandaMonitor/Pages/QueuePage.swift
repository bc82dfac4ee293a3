import Foundation
import PandaClient
import PandaCore

/// `/queues/<name>`: one queue's jobs now and over time, and its worker
/// nodes with their failure rates, outliers marked by bigmon's rule: a
/// failure rate ≥ 5× the queue's, or over 20 %.
enum QueuePage: MonitorPage {
    struct Model: Codable, Sendable {
        var queue: String
        var counts: [String: Int]
        var charts: [ChartData]
        var nodes: [Node]
        /// The queue's failure rate over its nodes, in percent.
        var failureRate: Double
        var pilots: [QueuePilots]
        /// The status in force and who set it (nil when the server would not say).
        var status: QueueStatusView?

        enum CodingKeys: String, CodingKey {
            case queue, counts, charts, nodes, pilots, status
            case failureRate = "failure_rate"
        }
    }

    struct Node: Codable, Sendable {
        var node: String
        var finished: Int
        var failed: Int
        var failureRate: Double
        var outlier: Bool

        enum CodingKeys: String, CodingKey {
            case node, finished, failed, outlier
            case failureRate = "failure_rate"
        }
    }

    static func load(_ request: PageRequest) async throws -> Model {
        guard let queue = request.parameter, !queue.isEmpty else { throw PageError(status: 404, message: "which queue?") }
        let api = request.api
        async let summary = api.summary()
        async let day = api.history([("resolution", "hour"), ("since", "24h"), ("queue", queue)])
        async let week = api.history([("resolution", "hour"), ("since", "7d"), ("queue", queue)])
        async let nodeStats = api.nodeStats(queue: queue)
        async let reports = try? api.pilotReports()
        async let statuses = try? api.queueStatuses()
        let until = Int64(request.now)
        let levels: [(String, KeyPath<HistorySample, Int>)] = [("activated", \.activated), ("running", \.running)]
        let ended: [(String, KeyPath<HistorySample, Int>)] = [("finished", \.finished), ("failed", \.failed)]
        let nodes = try await nodeStats.nodes
        let finished = nodes.reduce(0) { $0 + $1.finished }, failed = nodes.reduce(0) { $0 + $1.failed }
        let average = finished + failed == 0 ? 0 : Double(failed) * 100 / Double(finished + failed)
        let rated = nodes.map { node -> Node in
            let rate = node.finished + node.failed == 0 ? 0 : Double(node.failed) * 100 / Double(node.finished + node.failed)
            return Node(node: node.node, finished: node.finished, failed: node.failed, failureRate: rate,
                        outlier: node.failed > 0 && ((average > 0 && rate >= 5 * average) || rate > 20))
        }
        return Model(
            queue: queue, counts: try await summary.queues[queue] ?? [:],
            charts: [
                ChartData.from(try await day, title: "\(queue): attempts finished and failed per hour, last 24 h", kind: .bars,
                               unit: "attempts per hour", filters: ["queue": queue], fields: ended, until: until),
                ChartData.from(try await day, title: "\(queue): jobs activated and running (the most in each hour), last 24 h",
                               fields: levels, until: until),
                ChartData.from(try await week, title: "\(queue): attempts finished and failed per hour, last 7 days", kind: .bars,
                               unit: "attempts per hour", filters: ["queue": queue], fields: ended, until: until),
                ChartData.from(try await week, title: "\(queue): jobs activated and running (the most in each hour), last 7 days",
                               fields: levels, until: until),
            ],
            nodes: rated, failureRate: average,
            pilots: await reports?.factories.flatMap { $0.queues.filter { $0.queue == queue } } ?? [],
            status: await statuses?.queues.first { $0.queue == queue })
    }

    static func render(_ model: Model, _ request: PageRequest) -> (title: String, body: HTML) {
        let states = JobState.allCases.map(\.rawValue)
        let counts = states.map { state -> HTML in
            "<td class=\"n\">\(Layout.count(model.counts[state] ?? 0, ["queue": model.queue, "state": state]))</td>"
        }.joined()
        let nodes = model.nodes.map { node -> HTML in
            """
            <tr\(node.outlier ? " class=\"outlier\"" : "") data-node="\(node.node)"><td>\(node.node)</td><td class="n">\(node.finished)</td>\
            <td class="n">\(node.failed)</td><td class="n">\(String(format: "%.1f%%", node.failureRate))</td><td>\(node.outlier ? "outlier" : "")</td></tr>
            """
        }
        let pilots = model.pilots.map { p -> HTML in
            "<tr><td>\(p.batchSystem.rawValue)</td><td class=\"n\">\(p.queued)</td><td class=\"n\">\(p.running)</td><td class=\"n\">\(p.held)</td><td class=\"n\">\(p.finished)</td><td class=\"n\">\(p.failed)</td></tr>"
        }
        let status: HTML = model.status.html { view in
            let setBy: HTML = view.setBy.html { "set by \($0) at \(Format.time(view.setAt)); " }
            return """
                <p id="status">Status: <strong class="status-\(view.status.rawValue)">\(view.status.rawValue)</strong> \
                (\(setBy)the configuration says \(view.configured.rawValue)). \
                Drain it with <code>panda queue drain \(model.queue)</code>, bring it back with <code>panda queue online \(model.queue)</code> (admin token).</p>
                """
        }
        let body: HTML = """
            \(status)
            <h2>Jobs now</h2>
            \(Layout.table(states, ["<tr>\(counts)</tr>"], id: "counts"))
            <p>\(Layout.link(Link.errors([("queue", model.queue)]), "Errors of this queue")) · \(Layout.link(Link.jobs(["queue": model.queue]), "its jobs"))</p>
            \(model.charts.map(\.svg))
            <h2>Worker nodes, last 24 h</h2>
            <p>Queue failure rate \(String(format: "%.1f%%", model.failureRate)); outliers fail ≥ 5× that, or over 20 %.</p>
            \(nodes.isEmpty ? "<p>No attempts ended on a known node.</p>" : Layout.table(["node", "finished", "failed", "failure rate", ""], nodes, id: "nodes"))
            <h2>Pilots (factory reports)</h2>
            \(pilots.isEmpty ? "<p>No factory reports for this queue.</p>" : Layout.table(["batch", "queued", "running", "held", "finished", "failed"], pilots, id: "pilots"))
            """
        return ("Queue \(model.queue)", body)
    }
}
