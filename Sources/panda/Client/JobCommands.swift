import ArgumentParser
import PandaClient
import PandaCore

/// `panda jobs`: jobs, newest first, filtered.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List jobs, newest first: yours with a submit token, everyone's with a read token.")

    @Option(help: ArgumentHelp("Only this task's jobs.", valueName: "task"))
    var task: Int64?

    @Option(help: ArgumentHelp("Only jobs in this state.", valueName: "state"))
    var state: JobState?

    @Option(help: ArgumentHelp("Only jobs at this queue.", valueName: "queue"))
    var queue: String?

    @Flag(help: "Only your own jobs (for tokens that may see others').")
    var mine = false

    @Option(help: ArgumentHelp("At most this many (0: all).", valueName: "n"))
    var limit = 100

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let settings = try client.settings()
        let api = try client.client(settings)
        let owner = mine ? tokenSubject(try client.resolvedToken(settings)) : nil
        var jobs: [JobStatus] = []
        var before: Int64?
        repeat {
            let pageSize = limit == 0 ? 1000 : min(1000, limit - jobs.count)
            let page = try await client.call { () throws(ClientError) in
                try await api.jobs(owner: owner, state: state, queue: queue, task: task, before: before, limit: pageSize)
            }
            jobs += page.jobs
            before = page.next
        } while before != nil && (limit == 0 || jobs.count < limit)
        if client.json { return try client.printJSON(jobs) }
        var table = TextTable("JOB", "TASK", "NAME", "QUEUE", "STATE", "ATTEMPT", "CHANGED", "ERROR")
        for job in jobs {
            table.add(String(job.id), job.taskID.map(String.init) ?? "", job.name ?? "", job.queue ?? "", job.state.rawValue,
                      "\(job.attempt)/\(job.maxAttempts)", localTime(job.stateChangedAt),
                      errorText(code: job.errorCode, diagnostic: job.errorDiag))
        }
        say(table.render())
        if before != nil { say("(more: --limit 0 lists all)") }
    }
}

extension JobState: ExpressibleByArgument {}

/// `panda show JOB`: everything about one job.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a job: its states with times, files, errors, node and log location.")

    @Argument(help: ArgumentHelp("The job id.", valueName: "job"))
    var job: Int64

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let api = try client.client(try client.settings())
        let description = try await client.call { () throws(ClientError) in try await api.describe(job) }
        if client.json { return try client.printJSON(description) }
        say(Self.render(description))
    }

    static func render(_ job: JobDescription) -> String {
        let status = job.status
        let spec = job.spec
        var lines = ["job \(status.id)\(status.name.map { " (\($0))" } ?? "")"]
        func field(_ name: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            lines.append("  " + (name + ":").padding(toLength: 12, withPad: " ", startingAt: 0) + value)
        }
        field("state", "\(status.state.rawValue), attempt \(status.attempt) of \(status.maxAttempts)")
        field("task", status.taskID.map(String.init))
        field("owner", status.owner)
        field("queue", status.queue)
        field("node", [job.node, job.pilot.map { "pilot \($0)" }].compactMap { $0 }.joined(separator: ", "))
        field("command", spec.payload.commandLine)
        field("container", spec.payload.container)
        field("resources", spec.resources.summary)
        field("exit code", job.exitCode.map(String.init))
        field("error", errorText(code: status.errorCode, diagnostic: status.errorDiag))
        field("waiting", job.waiting)
        field("cpu", job.cpuSeconds.map { String(format: "%.1f s", $0) })
        field("max rss", job.maxRSS?.description)
        field("dataset", spec.outputDataset)
        if !spec.inputs.isEmpty {
            lines.append("  inputs:")
            for input in spec.inputs {
                lines.append("    \(input.scope.map { $0 + ":" } ?? "")\(input.lfn)  \(input.size.map(humanBytes) ?? "")  "
                             + input.replicas.map { "\($0.storage) \($0.url)" }.joined(separator: "; "))
            }
        }
        let stored = job.outputs.filter { !$0.isLog }
        if !stored.isEmpty {
            lines.append("  outputs:")
            for file in stored { lines.append("    \(file.lfn)  \(humanBytes(file.size))  \(file.checksum)  \(file.url)") }
        } else if !spec.outputs.isEmpty {
            lines.append("  outputs:    " + spec.outputs.map(\.lfn).joined(separator: ", ") + " (not stored yet)")
        }
        if let log = job.outputs.first(where: \.isLog) {
            field("log", "\(log.url)  (panda logs \(status.id))")
        }
        if !job.attempts.isEmpty {
            lines.append("  attempts:")
            for attempt in job.attempts { lines.append("    " + outcome(attempt)) }
        }
        lines.append("  history:")
        for event in job.history {
            let error = event.errorCode.map { " [\($0)]" } ?? ""
            lines.append("    \(localTime(event.at))  #\(event.attempt)  \(event.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))"
                         + "\(event.reason.map { " " + $0 } ?? "")\(error)")
        }
        // Each line is one line whatever its values hold (a job name with a newline).
        return lines.map(TerminalText.escaped).joined(separator: "\n")
    }

    /// One attempt on one line: `#2  failed  node7  exit 1  [1305 ...]  cpu 3.1 s  rss 210 MB  2 files, log`.
    static func outcome(_ attempt: AttemptOutcome) -> String {
        var parts = ["#\(attempt.attempt)", attempt.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)]
        if let queue = attempt.queue { parts.append(queue) }
        if let node = attempt.node { parts.append(node) }
        if let exit = attempt.exitCode { parts.append("exit \(exit)") }
        let error = errorText(code: attempt.errorCode, diagnostic: attempt.errorDiag)
        if !error.isEmpty { parts.append("[\(error)]") }
        if let cpu = attempt.cpuSeconds { parts.append(String(format: "cpu %.1f s", cpu)) }
        if let rss = attempt.maxRSS { parts.append("rss \(rss)") }
        let files = attempt.outputs.filter { !$0.isLog }.count
        if files > 0 || attempt.outputs.contains(where: \.isLog) {
            parts.append("\(files) file\(files == 1 ? "" : "s")" + (attempt.outputs.contains(where: \.isLog) ? ", log" : ""))
        }
        if let ended = attempt.endedAt { parts.append("ended \(localTime(ended))") }
        return parts.joined(separator: "  ")
    }
}
