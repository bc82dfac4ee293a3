import ArgumentParser
import PandaClient
import PandaCore

/// `panda watch TASK`: follow a task until it ends.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow a task until every job has ended; exit 0 only when all finished.",
        discussion: "On a terminal the progress is redrawn in place; otherwise a line is printed whenever it changes.")

    @Argument(help: ArgumentHelp("The task id.", valueName: "task"))
    var task: Int64

    @Option(help: ArgumentHelp("How often to ask for progress.", valueName: "duration"))
    var interval = TimeSpan.seconds(2)

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let api = try client.client(try client.settings())
        let state = try await TaskWatcher(client: api, options: client, task: task, interval: interval).follow()
        if state != .done { throw ExitCode(1) }
    }
}

/// `panda tasks`: your tasks, newest first.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tasks", abstract: "List your tasks, newest first.")

    @Option(help: ArgumentHelp("At most this many.", valueName: "n"))
    var limit = 50

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let api = try client.client(try client.settings())
        let tasks = try await client.call { () throws(ClientError) in try await api.tasks(limit: limit) }
        if client.json { return try client.printJSON(tasks) }
        // Each job in one column only: a killed job is cancelled, not failed.
        var table = TextTable("TASK", "NAME", "STATE", "JOBS", "FINISHED", "FAILED", "CANCELLED", "OUTPUT", "CREATED")
        for task in tasks {
            table.add(String(task.id), task.name ?? "", task.state.rawValue, String(task.jobs), String(task.count(.finished)),
                      String(task.count(.failed)), String(task.count(.cancelled)), task.outputDataset ?? "", localTime(task.createdAt))
        }
        say(table.render())
    }
}

/// `panda kill JOB… | --task T`.
struct KillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill",
        abstract: "Kill jobs, or every job of a task that has not ended.",
        discussion: "Jobs not yet dispatched are cancelled at once; running ones are killed by their pilot at its next heartbeat.")

    @Argument(help: ArgumentHelp("Job ids.", valueName: "job"))
    var jobs: [Int64] = []

    @Option(help: ArgumentHelp("Kill this task's jobs.", valueName: "task"))
    var task: Int64?

    @OptionGroup var client: ClientOptions

    func validate() throws {
        guard jobs.isEmpty != (task == nil) else { throw ValidationError("give job ids or --task, not both or neither") }
    }

    func run() async throws {
        let api = try client.client(try client.settings())
        if let task {
            let result = try await client.call { () throws(ClientError) in try await api.killTask(task) }
            if client.json { return try client.printJSON(result) }
            say("task \(task): \(result.cancelled) cancelled, \(result.killRequested) being killed by their pilots, "
                  + "\(result.alreadyFinal) had already ended")
            return
        }
        let results = try await client.call { () throws(ClientError) in try await api.kill(jobs) }
        if client.json { return try client.printJSON(results) }
        var missing = false
        for result in results {
            switch result.outcome {
            case .cancelled: say("job \(result.jobID): cancelled")
            case .killRequested: say("job \(result.jobID): its pilot will kill it at its next heartbeat")
            case .alreadyFinal: say("job \(result.jobID): already \(result.state?.rawValue ?? "ended")")
            case .notFound:
                printError("panda: job \(result.jobID) does not exist or is not yours")
                missing = true
            }
        }
        if missing { throw ExitCode(1) }
    }
}

/// `panda retry --task T`.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Give every failed or cancelled job of a task a new attempt.")

    @Option(help: ArgumentHelp("The task.", valueName: "task"))
    var task: Int64

    @Flag(help: "Then follow the task until it ends, as `panda watch` does.")
    var wait = false

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let api = try client.client(try client.settings())
        let result = try await client.call { () throws(ClientError) in try await api.retryTask(task) }
        if client.json && !wait { return try client.printJSON(result) }
        if !client.json { say("task \(task): \(result.retried) job\(result.retried == 1 ? "" : "s") retried") }
        if wait {
            let state = try await TaskWatcher(client: api, options: client, task: task, interval: .seconds(2)).follow()
            if state != .done { throw ExitCode(1) }
        }
    }
}
