import Foundation
import PandaClient
import PandaCore

/// `/tasks`: the newest tasks with a progress bar each.
enum TasksPage: MonitorPage {
    struct Model: Codable, Sendable {
        var tasks: [TaskStatus]
    }

    static func load(_ request: PageRequest) async throws -> Model {
        Model(tasks: try await request.api.tasks(limit: 100))
    }

    static func render(_ model: Model, _ request: PageRequest) -> (title: String, body: HTML) {
        let rows = model.tasks.map { task -> HTML in
            """
            <tr data-task="\(task.id)"><td>\(Layout.link(Link.task(task.id), String(task.id)))</td><td>\(task.name)</td>\
            <td>\(Layout.link(Link.user(task.owner), task.owner))</td><td>\(task.state.rawValue)</td>\
            <td>\(progress(task))</td><td class="n">\(Layout.count(task.jobs, ["task": String(task.id)]))</td><td>\(Format.time(task.createdAt))</td></tr>
            """
        }
        return ("Tasks", rows.isEmpty ? "<p>No tasks.</p>" : Layout.table(["id", "name", "owner", "state", "progress", "jobs", "submitted"], rows, id: "tasks"))
    }

    /// Finished green, failed red, cancelled grey, of all the task's jobs.
    static func progress(_ task: TaskStatus) -> HTML {
        let total = max(task.jobs, 1)
        let parts = [("finished", "#2a7"), ("failed", "#c33"), ("cancelled", "#999")].map { state, color -> HTML in
            let width = (task.counts[state] ?? 0) * 160 / total
            return "<span style=\"width:\(width)px;background:\(HTML(trusted: color))\" title=\"\(state) \(task.counts[state] ?? 0)\"></span>"
        }.joined()
        return "<span class=\"bar\">\(parts)</span> \(task.counts["finished"] ?? 0)/\(task.jobs)"
    }
}

/// `/tasks/<id>`: counts by state (each job's latest attempt), failures
/// grouped by code with an example job, its datasets.
enum TaskPage: MonitorPage {
    typealias Model = TaskStatus

    static func load(_ request: PageRequest) async throws -> TaskStatus {
        guard let text = request.parameter, let id = Int64(text), id > 0 else {
            throw PageError(status: 404, message: "there is no task \(request.parameter ?? "")")
        }
        return try await request.api.taskStatus(id)
    }

    static func render(_ task: TaskStatus, _ request: PageRequest) -> (title: String, body: HTML) {
        let id = String(task.id)
        let states = JobState.allCases.map(\.rawValue)
        let counts = states.map { state -> HTML in "<td class=\"n\">\(Layout.count(task.counts[state] ?? 0, ["task": id, "state": state]))</td>" }.joined()
        let failures = task.failures.map { failure -> HTML in
            let code: HTML = failure.errorCode.map { "\($0) \(ErrorCode.lookup($0).name)" } ?? "—"
            let filters = failure.errorCode.map { ["task": id, "error": String($0)] } ?? ["task": id, "state": "failed"]
            return "<tr><td>\(code)</td><td>\(failure.errorDiag)</td><td class=\"n\">\(Layout.count(failure.jobs, filters))</td><td>\(Layout.link(Link.job(failure.exampleJob), String(failure.exampleJob)))</td></tr>"
        }
        let datasets = task.inputDatasets.map { "<li>input \(Layout.link(Link.dataset($0), $0))</li>" as HTML }
            + (task.outputDataset.map { ["<li>output \(Layout.link(Link.dataset($0), $0))</li>" as HTML] } ?? [])
        let body: HTML = """
            <p>\(task.name ?? "unnamed") by \(Layout.link(Link.user(task.owner), task.owner)), \(task.state.rawValue), submitted \(Format.time(task.createdAt)). \(TasksPage.progress(task))</p>
            \(Layout.table(states, ["<tr>\(counts)</tr>"], id: "counts"))
            <h2>Failures by code</h2>
            \(failures.isEmpty ? "<p>None.</p>" : Layout.table(["code", "diagnostic", "jobs", "example"], failures, id: "failures"))
            <h2>Datasets</h2><ul>\(datasets)</ul>
            """
        return ("Task \(task.id)", body)
    }
}

/// `/datasets/<name>`: its files with sizes, checksums and replicas.
enum DatasetPage: MonitorPage {
    typealias Model = DatasetContents

    static func load(_ request: PageRequest) async throws -> DatasetContents {
        guard let name = request.parameter, !name.isEmpty else { throw PageError(status: 404, message: "which dataset?") }
        return try await request.api.dataset(name)
    }

    static func render(_ dataset: DatasetContents, _ request: PageRequest) -> (title: String, body: HTML) {
        let rows = dataset.files.map { file -> HTML in
            let replicas = file.replicas.map { "\($0.storage): \($0.url)" }.joined(separator: "\n")
            return "<tr><td>\(file.scope):\(file.lfn)\(file.isLog ? " (log)" : "")</td><td class=\"n\">\(Format.bytes(file.size))</td><td>\(file.checksum)</td><td><pre>\(replicas)</pre></td></tr>"
        }
        let total = dataset.files.reduce(Int64(0)) { $0 + $1.size }
        let body: HTML = """
            <p>Owned by \(Layout.link(Link.user(dataset.owner), dataset.owner)), made \(Format.time(dataset.createdAt)): \(dataset.files.count) files, \(Format.bytes(total)).</p>
            \(Layout.table(["file", "size", "checksum", "replicas"], rows, id: "files"))
            """
        return ("Dataset \(dataset.name)", body)
    }
}
