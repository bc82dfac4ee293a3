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
        async let tasks = request.api.tasks(limit: taskRows, owner: user)
        let jobs = try await page
        return Model(user: user, jobs: jobs.jobs, facets: jobs.facets,
                     tasks: try await tasks, errors: Array(try await errors.errors.prefix(10)))
    }

    /// The user's newest tasks listed; more is said to be more.
    static let taskRows = 200

    static func render(_ model: Model, _ request: PageRequest) -> (title: String, body: HTML) {
        // The job list's value counts cover at most its newest 1,000 jobs: say which.
        let counted: HTML = model.facets.map { facets -> HTML in
            facets.truncated ? "Counted among the newest \(facets.scanned) of these jobs, not all of them:"
                : "All \(facets.scanned) of them, by state:"
        } ?? ""
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
            <p id="counted">\(counted)</p>
            \(Layout.table(["state", "jobs"], states, id: "states"))
            \(JobsPage.table(model.jobs))
            <p>\(Layout.link(Link.jobs(["owner": model.user, "since": "7d"]), "all of them"))</p>
            <h2>Top errors, last 7 days</h2>
            \(errors.isEmpty ? "<p>None.</p>" : Layout.table(["code", "name", "attempts"], errors, id: "errors"))
            <h2>Tasks\(model.tasks.count >= Self.taskRows ? " (the newest \(Self.taskRows))" : "")</h2>
            \(tasks.isEmpty ? "<p>None.</p>" : Layout.table(["id", "name", "state", "progress"], tasks, id: "tasks"))
            """
        return ("User \(model.user)", body)
    }
}
