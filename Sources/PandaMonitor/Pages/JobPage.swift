import Foundation
import PandaClient
import PandaCore

/// `/jobs/<id>`: everything about one job — its attempts with their states
/// and times, resources asked and used, command, files, error with its
/// catalogue text, node and pilot, and its log tarball's files inline.
enum JobPage: MonitorPage {
    struct Model: Codable, Sendable {
        var job: JobDescription
        var error: ErrorCode?
        var logs: [LogFile]
        /// Why the logs are not shown, when they are not.
        var logProblem: String?

        enum CodingKeys: String, CodingKey {
            case job, error, logs
            case logProblem = "log_problem"
        }
    }

    static func load(_ request: PageRequest) async throws -> Model {
        guard let text = request.parameter, let id = Int64(text), id > 0 else {
            throw PageError(status: 404, message: "there is no job \(request.parameter ?? "")")
        }
        let job = try await request.api.describe(id)
        var logs: [LogFile] = []
        var problem: String?
        if let log = job.outputs.first(where: \.isLog) {
            do {
                logs = try await request.settings.logs.files(of: id, log: log)
            } catch {
                problem = String(describing: error)
            }
        } else {
            problem = job.status.state.isFinal ? "the job stored no log tarball" : "the log tarball is stored when the job ends"
        }
        return Model(job: job, error: job.status.errorCode.map(ErrorCode.lookup), logs: logs, logProblem: problem)
    }

    static func render(_ model: Model, _ request: PageRequest) -> (title: String, body: HTML) {
        let job = model.job, status = job.status, spec = job.spec
        let error: HTML = model.error.map { code in
            "\(Layout.link(Link.jobs(["error": String(code.number)]), String(code.number))) \(code.name): \(code.text)\(status.errorDiag.map { " — " + $0 } ?? "")"
        } ?? "—"
        let facts: [(String, HTML)] = [
            ("state", "<span id=\"state\">\(status.state.rawValue)</span> since \(Format.time(status.stateChangedAt))"),
            ("name", "\(status.name)"),
            ("owner", Layout.link(Link.user(status.owner), status.owner)),
            ("queue", status.queue.map { Layout.link(Link.queue($0), $0) } ?? "—"),
            ("task", status.taskID.map { Layout.link(Link.task($0), String($0)) } ?? "—"),
            ("attempt", "\(status.attempt) of \(status.maxAttempts)"),
            ("priority", "\(status.priority)"),
            ("error", error),
            ("exit code", "\(job.exitCode.map(String.init) ?? "—")"),
            ("node", "\(job.node ?? "—")"),
            ("pilot", "\(job.pilot ?? "—")"),
            ("batch id", "<span id=\"batch-id\">\(job.batchID ?? "—")</span>"),
            ("submitted", "\(Format.time(status.createdAt))"),
            ("command", "<code>\(spec.payload.commandLine)</code>"),
            ("container", "\(spec.payload.container ?? "—")"),
            ("asked", "\(spec.resources.summary)"),
            ("used", "CPU \(job.cpuSeconds.map { String(format: "%.1f s", $0) } ?? "—"), max RSS \(job.maxRSS?.description ?? "—")"),
            ("steps", "\(job.timings.map { String(format: "setup %.1f s, stage-in %.1f s, payload %.1f s, stage-out %.1f s", $0.setup, $0.stageIn, $0.payload, $0.stageOut) } ?? "—")"),
        ]
        let factRows = facts.map { label, value -> HTML in "<tr><th>\(label)</th><td>\(value)</td></tr>" }
        let history = job.history.map { event -> HTML in
            "<tr><td class=\"n\">\(event.attempt)</td><td>\(event.state.rawValue)</td><td>\(Format.time(event.at))</td><td>\(event.errorCode.map(String.init) ?? "")</td><td>\(event.reason)</td></tr>"
        }
        let attempts = job.attempts.map { attempt -> HTML in
            """
            <tr data-attempt="\(attempt.attempt)"><td class="n">\(attempt.attempt)</td><td>\(attempt.state.rawValue)</td><td>\(attempt.queue ?? "")</td>\
            <td>\(attempt.pilot ?? "")</td><td>\(attempt.batchID ?? "")</td><td>\(attempt.node ?? "")</td>\
            <td class="n">\(attempt.exitCode.map(String.init) ?? "")</td><td>\(attempt.errorCode.map(String.init) ?? "")</td><td>\(Format.time(attempt.endedAt))</td></tr>
            """
        }
        let inputs = spec.inputs.map { file -> HTML in
            let replicas = file.replicas.map { "\($0.storage): \($0.url)" }.joined(separator: "\n")
            return "<tr><td>input</td><td>\(file.scope.map { $0 + ":" } ?? "")\(file.lfn)</td><td class=\"n\">\(Format.bytes(file.size))</td><td>\(file.checksum)</td><td><pre>\(replicas)</pre></td></tr>"
        }
        let outputs = job.outputs.map { file -> HTML in
            "<tr><td>\(file.isLog ? "log" : "output")</td><td>\(file.scope.map { $0 + ":" } ?? "")\(file.lfn)</td><td class=\"n\">\(Format.bytes(file.size))</td><td>\(file.checksum)</td><td>\(file.storage.map { $0 + ": " } ?? "")\(file.url)</td></tr>"
        }
        let logs = model.logs.map { file -> HTML in
            """
            <h3>\(file.name) (\(Format.bytes(file.size))\(file.truncated ? ", last 64 KiB" : ""))</h3>
            <pre class="log" data-file="\((file.name as NSString).lastPathComponent)">\(file.text)</pre>
            """
        }
        let body: HTML = """
            <table id="facts">\(factRows)</table>
            <h2>Attempts</h2>
            \(attempts.isEmpty ? "<p>None yet.</p>" : Layout.table(["attempt", "state", "queue", "pilot", "batch id", "node", "exit", "error", "ended"], attempts, id: "attempts"))
            <h2>History (every attempt)</h2>
            \(Layout.table(["attempt", "state", "at", "error", "why"], history, id: "history"))
            <h2>Files</h2>
            \(inputs.isEmpty && outputs.isEmpty ? "<p>No files.</p>" : Layout.table(["kind", "file", "size", "checksum", "where"], inputs + outputs, id: "files"))
            <h2>Log</h2>
            \(model.logProblem.html { "<p>\($0)</p>" })\(logs)
            """
        return ("Job \(status.id)", body)
    }
}
