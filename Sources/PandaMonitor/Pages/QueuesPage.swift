import Foundation
import PandaClient
import PandaCore

/// `/queues`: one row per queue — status (the server's: an operator's
/// `panda queue drain` shows at once), limits (from the monitor's
/// configuration), pilots queued and running (the factories' reports), jobs
/// activated and running now, finished and failed in the last 24 h.
enum QueuesPage: MonitorPage {
    struct Model: Codable, Sendable {
        var queues: [Row]
    }

    struct Row: Codable, Sendable {
        var queue: String
        var status: String?
        var maxCores: Int?
        var maxMemory: String?
        var pilotsQueued: Int?
        var pilotsRunning: Int?
        var activated: Int
        var running: Int
        var finished24h: Int
        var failed24h: Int

        enum CodingKeys: String, CodingKey {
            case queue, status, activated, running
            case maxCores = "max_cores", maxMemory = "max_memory", pilotsQueued = "pilots_queued", pilotsRunning = "pilots_running"
            case finished24h = "finished_24h", failed24h = "failed_24h"
        }

        var failurePercent: String { Format.percent(failed24h, of: finished24h + failed24h) }
    }

    static func load(_ request: PageRequest) async throws -> Model {
        async let summary = request.api.summary()
        async let day = request.api.history([("resolution", "hour"), ("since", "24h"), ("by_queue", "true"), ("sum", "true")])
        async let reports = try? request.api.pilotReports()
        async let statusList = try? request.api.queueStatuses()
        let counts = try await summary
        let statuses = Dictionary((await statusList)?.queues.map { ($0.queue, $0) } ?? [], uniquingKeysWith: { a, _ in a })
        var ended: [String: (finished: Int, failed: Int)] = [:]
        for sample in try await day.samples {
            var entry = ended[sample.queue] ?? (0, 0)
            entry.finished += sample.finished
            entry.failed += sample.failed
            ended[sample.queue] = entry
        }
        var pilots: [String: (queued: Int, running: Int)] = [:]
        for factory in await reports?.factories ?? [] {
            for queue in factory.queues {
                var entry = pilots[queue.queue] ?? (0, 0)
                entry.queued += queue.queued
                entry.running += queue.running
                pilots[queue.queue] = entry
            }
        }
        let configured = Dictionary(request.settings.queues.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let names = Set(counts.queues.keys).union(configured.keys).union(ended.keys).union(pilots.keys).subtracting([""]).sorted()
        return Model(queues: names.map { name in
            let config = configured[name]
            return Row(queue: name, status: statuses[name]?.status.rawValue ?? config?.status.rawValue, maxCores: config?.corecount, maxMemory: config?.maxrss.description,
                       pilotsQueued: pilots[name]?.queued, pilotsRunning: pilots[name]?.running,
                       activated: counts.queues[name]?["activated"] ?? 0, running: counts.queues[name]?["running"] ?? 0,
                       finished24h: ended[name]?.finished ?? 0, failed24h: ended[name]?.failed ?? 0)
        })
    }

    static func render(_ model: Model, _ request: PageRequest) -> (title: String, body: HTML) {
        let rows = model.queues.map { row -> HTML in
            """
            <tr data-queue="\(row.queue)"><td>\(Layout.link(Link.queue(row.queue), row.queue))</td><td class="status-\(row.status ?? "")">\(row.status ?? "—")</td>\
            <td class="n">\(row.maxCores.map(String.init) ?? "—")</td><td>\(row.maxMemory ?? "—")</td>\
            <td class="n">\(row.pilotsQueued.map(String.init) ?? "—")</td><td class="n">\(row.pilotsRunning.map(String.init) ?? "—")</td>\
            <td class="n">\(Layout.count(row.activated, ["queue": row.queue, "state": "activated"]))</td>\
            <td class="n">\(Layout.count(row.running, ["queue": row.queue, "state": "running"]))</td>\
            <td class="n">\(Layout.count(row.finished24h, ["queue": row.queue, "state": "finished", "since": "24h"]))</td>\
            <td class="n">\(Layout.count(row.failed24h, ["queue": row.queue, "state": "failed", "since": "24h"]))</td>\
            <td class="n">\(row.failurePercent)</td></tr>
            """
        }
        let body: HTML = """
            <p>Finished and failed count attempts that ended in the last 24 h (from hourly samples); their links list jobs submitted in that window.</p>
            \(Layout.table(["queue", "status", "cores", "memory", "pilots queued", "pilots running", "activated", "running", "finished 24 h", "failed 24 h", "failure %"], rows, id: "queues"))
            """
        return ("Queues", body)
    }
}
