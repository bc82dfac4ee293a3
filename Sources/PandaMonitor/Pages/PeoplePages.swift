import Foundation
import PandaClient
import PandaCore

/// `/users/<name>`: a user's tasks and jobs of the last 7 days and their top errors.
enum UserPage: MonitorPage {
    struct Model: Codable, Sendable {
        var user: String
        var jobs: [JobStatus]
        var facets: JobFacets?
        var tasks: [TaskStatus]
        var errors: [ErrorCount]
    }

    static func load(_ request: PageRequest) async throws -> Model {
        guard let user = request.parameter, !user.isEmpty else { throw PageError(status: 404, message: "which user?") }
        async let page = request.api.jobs([("owner", user), ("since", "7d"), ("limit", "50"), ("facets", "true")])
        async let errors = request.api.errorStats([("owner", user), ("since", "7d")])
        async let tasks = request.api.tasks(limit: 200)
        let jobs = try await page
        return Model(user: user, jobs: jobs.jobs, facets: jobs.facets,
                     tasks: try await tasks.filter { $0.owner == user }, errors: Array(try await errors.errors.prefix(10)))
    }

    static func render(_ model: Model, _ request: PageRequest) -> (title: String, body: HTML) {
        let states = (model.facets?.states ?? []).map { count -> HTML in
            "<tr><td>\(count.name)</td><td class=\"n\">\(Layout.count(count.count, ["owner": model.user, "state": count.name, "since": "7d"]))</td></tr>"
        }
        let errors = model.errors.map { error -> HTML in
            "<tr><td>\(error.code)</td><td>\(error.name)</td><td class=\"n\">\(Layout.count(error.count, ["owner": model.user, "error": String(error.code), "since": "7d"]))</td></tr>"
        }
        let tasks = model.tasks.map { task -> HTML in
            "<tr><td>\(Layout.link(Link.task(task.id), String(task.id)))</td><td>\(task.name)</td><td>\(task.state.rawValue)</td><td>\(TasksPage.progress(task))</td></tr>"
        }
        let body: HTML = """
            <h2>Jobs of the last 7 days</h2>
            \(Layout.table(["state", "jobs"], states, id: "states"))
            \(JobsPage.table(model.jobs))
            <p>\(Layout.link(Link.jobs(["owner": model.user, "since": "7d"]), "all of them"))</p>
            <h2>Top errors, last 7 days</h2>
            \(errors.isEmpty ? "<p>None.</p>" : Layout.table(["code", "name", "attempts"], errors, id: "errors"))
            <h2>Tasks</h2>
            \(tasks.isEmpty ? "<p>None among the newest tasks.</p>" : Layout.table(["id", "name", "state", "progress"], tasks, id: "tasks"))
            """
        return ("User \(model.user)", body)
    }
}

/// `/pilots?queue=&state=`: the pilots the factories report, per factory
/// and queue, by state (queued, running, held, finished, failed).
enum PilotsPage: MonitorPage {
    struct Model: Codable, Sendable {
        var factories: [PilotReport]
    }

    static let states = ["queued", "running", "held", "finished", "failed"]

    static func load(_ request: PageRequest) async throws -> Model {
        var factories = try await request.api.pilotReports().factories
        if let queue = request.text("queue") {
            factories = factories.map { var f = $0; f.queues = f.queues.filter { $0.queue == queue }; return f }
        }
        if let state = request.text("state") {
            guard states.contains(state) else { throw PageError(status: 400, message: "state must be one of \(states.joined(separator: ", "))") }
        }
        return Model(factories: factories)
    }

    static func render(_ model: Model, _ request: PageRequest) -> (title: String, body: HTML) {
        let shown = request.text("state").map { [$0] } ?? states
        let rows = model.factories.flatMap { factory in
            factory.queues.map { queue -> HTML in
                let values = ["queued": queue.queued, "running": queue.running, "held": queue.held, "finished": queue.finished, "failed": queue.failed]
                let cells = shown.map { "<td class=\"n\">\(values[$0] ?? 0)</td>" as HTML }.joined()
                return "<tr><td>\(factory.factory)</td><td>\(Format.ago(factory.reportedAt, now: request.now))</td><td>\(Layout.link(Link.queue(queue.queue), queue.queue))</td><td>\(queue.batchSystem.rawValue)</td>\(cells)</tr>"
            }
        }
        let body: HTML = """
            <p>What each factory last reported of its pilots in the batch system (finished and failed: ended within its retention).</p>
            \(rows.isEmpty ? "<p>No factory has reported.</p>" : Layout.table(["factory", "reported", "queue", "batch"] + shown, rows, id: "pilots"))
            """
        return ("Pilots", body)
    }
}
