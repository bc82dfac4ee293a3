import Foundation
import PandaClient
import PandaCore

/// `/pilots?queue=&state=`: the factories' pilots one by one — batch id,
/// pilot id, state, times, exit code, jobs run — newest first, and above
/// them each factory's counts per queue and state.
enum PilotsPage: MonitorPage {
    struct Model: Codable, Sendable {
        var filters: [String: String]
        var factories: [PilotReport]
        /// The newest pilots matching the filters, at most `shown`.
        var pilots: [FactoryPilot]
    }

    static let shown = 200

    static func load(_ request: PageRequest) async throws -> Model {
        let pairs = request.pairs(["queue", "state"])
        if let state = request.text("state"), !FactoryPilot.states.contains(state) {
            throw PageError(status: 400, message: "state must be one of \(FactoryPilot.states.joined(separator: ", "))")
        }
        let reply = try await request.api.pilotReports(pairs + [("limit", String(shown))])
        var factories = reply.factories
        if let queue = request.text("queue") {
            factories = factories.map { var f = $0; f.queues = f.queues.filter { $0.queue == queue }; return f }
        }
        return Model(filters: Dictionary(uniqueKeysWithValues: pairs), factories: factories, pilots: reply.pilots ?? [])
    }

    static func render(_ model: Model, _ request: PageRequest) -> (title: String, body: HTML) {
        let shownStates = model.filters["state"].map { [$0] } ?? FactoryPilot.states
        let counts = model.factories.flatMap { factory in
            factory.queues.map { queue -> HTML in
                let values = ["queued": queue.queued, "running": queue.running, "held": queue.held, "finished": queue.finished, "failed": queue.failed]
                let cells = shownStates.map { state -> HTML in
                    "<td class=\"n\">\(Layout.link(Link.pilots(["queue": queue.queue, "state": state]), String(values[state] ?? 0)))</td>"
                }.joined()
                return "<tr><td>\(factory.factory)</td><td>\(Format.ago(factory.reportedAt, now: request.now))</td><td>\(Layout.link(Link.queue(queue.queue), queue.queue))</td><td>\(queue.batchSystem.rawValue)</td>\(cells)</tr>"
            }
        }
        let pilots = model.pilots.map { pilot -> HTML in
            """
            <tr data-batch-id="\(pilot.batchID)"><td>\(pilot.batchID)</td><td>\(pilot.name)</td><td>\(pilot.factory ?? "")</td>\
            <td>\(Layout.link(Link.queue(pilot.queue), pilot.queue))</td><td>\(pilot.batchSystem.rawValue)</td>\
            <td class="pilot-\(pilot.state)">\(pilot.state)</td><td>\(Format.time(pilot.submittedAt))</td><td>\(Format.time(pilot.startedAt))</td>\
            <td>\(Format.time(pilot.endedAt))</td><td class="n">\(pilot.exitCode.map(String.init) ?? "")</td>\
            <td class="n">\(pilot.jobsRun ?? 0)</td><td>\(pilot.reason ?? "")</td></tr>
            """
        }
        let filters = ["queue", "state"].map { key -> HTML in "<label>\(key) <input name=\"\(key)\" value=\"\(model.filters[key] ?? "")\"></label> " }.joined()
        let body: HTML = """
            <form class="filters" method="get" action="/pilots">\(filters)<button>show</button></form>
            <p>What each factory last reported of its pilots in the batch system (finished and failed: ended within its retention).</p>
            \(counts.isEmpty ? "<p>No factory has reported.</p>" : Layout.table(["factory", "reported", "queue", "batch"] + shownStates, counts, id: "pilots"))
            <h2>Pilots, newest first\(model.pilots.count == shown ? " (the newest \(shown))" : "")</h2>
            <p>Jobs run: the attempts that ended under the pilot, as of the server's last statistics sample.</p>
            \(pilots.isEmpty ? "<p id=\"pilot-list\">No pilots match.</p>" : Layout.table(["batch id", "pilot", "factory", "queue", "batch", "state", "submitted", "started", "ended", "exit", "jobs run", "why"], pilots, id: "pilot-list"))
            """
        return ("Pilots", body)
    }
}
