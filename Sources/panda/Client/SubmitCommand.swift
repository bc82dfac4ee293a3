import ArgumentParser
import Foundation
import PandaClient
import PandaConfig
import PandaCore

/// `panda submit`: a task from a YAML file or from flags, split by the
/// server over the files of its input datasets.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a task: one command run over the files of input datasets, N files per job.",
        discussion: """
            Describe the task in a YAML file (`panda submit task.yaml`, see panda-task(5)), with flags, \
            or both (flags win). Arguments may hold placeholders, expanded for each job:
              %IN       the job's input file names (as a whole argument: one argument per file)
              %IN_CSV   the input file names, comma-separated
              %OUT      the job's output file name (%OUT2, %OUT3… with several --outputs)
              %JOB      the job's number in the task
              %%        a literal %
            Outputs are named OUT_DS._NNNNNN.NAME and registered in the output dataset when the job \
            finishes, so another task can read them. Prints the task id and its number of jobs.
            """)

    @Argument(help: ArgumentHelp("A task description in YAML.", valueName: "task.yaml"))
    var file: String?

    @Option(help: ArgumentHelp("The command each job runs, split like a shell would (no shell runs it).", valueName: "command"))
    var exec: String?

    @Option(name: .customLong("in-ds"), help: ArgumentHelp("An input dataset (repeat for more).", valueName: "dataset"))
    var inputDatasets: [String] = []

    @Option(name: .customLong("out-ds"), help: ArgumentHelp("The output dataset, new, which outputs and logs join.", valueName: "dataset"))
    var outputDataset: String?

    @Option(help: ArgumentHelp("Input files per job (default 1).", valueName: "n"))
    var filesPerJob: Int?

    @Option(help: ArgumentHelp("Input bytes per job instead: files join a job while they fit (10GB).", valueName: "size"))
    var bytesPerJob: ByteCount?

    @Option(name: .customLong("n-jobs"), help: ArgumentHelp("Jobs of a task without input datasets (default 1).", valueName: "n"))
    var jobCount: Int?

    @Option(help: ArgumentHelp("Output name endings, comma-separated (default: `out` when the command uses %OUT).", valueName: "names"))
    var outputs: String?

    @Option(help: ArgumentHelp("Cores per job.", valueName: "n"))
    var cores: Int?

    @Option(help: ArgumentHelp("Memory per job (2GB).", valueName: "size"))
    var memory: ByteCount?

    @Option(help: ArgumentHelp("Work directory disk per job.", valueName: "size"))
    var disk: ByteCount?

    @Option(help: ArgumentHelp("Walltime per job (2h).", valueName: "duration"))
    var walltime: TimeSpan?

    @Option(help: ArgumentHelp("Run at this queue instead of where brokerage chooses.", valueName: "queue"))
    var queue: String?

    @Option(help: ArgumentHelp("Higher runs first.", valueName: "n"))
    var priority: Int?

    @Option(help: ArgumentHelp("Attempts each job gets.", valueName: "n"))
    var maxAttempts: Int?

    @Option(help: ArgumentHelp("A container image to run each job in.", valueName: "image"))
    var container: String?

    @Option(help: ArgumentHelp("An environment variable for the jobs (repeat for more).", valueName: "K=V"))
    var env: [String] = []

    @Option(help: ArgumentHelp("A name for the task.", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("The scope outputs are named in (default user.YOU).", valueName: "scope"))
    var scope: String?

    @Flag(help: "Show the jobs that would be made, and where they would run, without submitting.")
    var dryRun = false

    @Flag(help: "Follow the task until it ends, as `panda watch` does; exit 0 only when every job finished.")
    var wait = false

    @Option(help: ArgumentHelp("How often --wait asks for progress.", valueName: "duration"))
    var interval = TimeSpan.seconds(2)

    @OptionGroup var client: ClientOptions

    func validate() throws {
        guard file != nil || exec != nil else { throw ValidationError("give a task file or --exec") }
        for item in env where !item.contains("=") { throw ValidationError("--env \(item): expected K=V") }
    }

    func run() async throws {
        let settings = try client.settings()
        let task = try makeTask(defaults: settings.defaults)
        let api = try client.client(settings)
        let result = try await client.call { () throws(ClientError) in try await api.submitTask(task, dryRun: dryRun) }
        if client.json {
            try client.printJSON(result)
        } else if dryRun {
            printPreview(result)
        } else {
            say("task \(result.taskID ?? 0): \(result.jobs) job\(result.jobs == 1 ? "" : "s") (\(Self.queueList(result.queues)))")
        }
        if wait, !dryRun, let id = result.taskID {
            let state = try await TaskWatcher(client: api, options: client, task: id, interval: interval).follow()
            if state != .done { throw ExitCode(1) }
        }
    }

    /// client.yaml's defaults, the file's task over them, the flags over both.
    func makeTask(defaults: SubmitDefaults) throws -> TaskSpec {
        var task = TaskSpec(queue: defaults.queue, priority: defaults.priority ?? 0, maxAttempts: defaults.maxAttempts,
                            payload: Payload(executable: ""),
                            resources: ResourceRequest(cores: defaults.cores ?? 1, memory: defaults.memory, walltime: defaults.walltime))
        task.scope = defaults.scope
        if let file {
            do {
                task = try TaskFile.load(path: file, over: task)
            } catch .unreadable(let path, let reason) {
                printError("panda: cannot read \(path): \(reason)")
                throw ExitCode(2)
            } catch .invalid(let diagnostics) {
                diagnostics.forEach { printError($0.description) }
                printError("\(file): \(diagnostics.count) error\(diagnostics.count == 1 ? "" : "s")")
                throw ExitCode(2)
            }
        }
        if let exec {
            let words: [String]
            do { words = try CommandWords.split(exec) } catch { throw ValidationError("--exec: \(error)") }
            guard let first = words.first else { throw ValidationError("--exec is empty") }
            task.payload.executable = first
            task.payload.arguments = Array(words.dropFirst())
        }
        if !inputDatasets.isEmpty { task.inputDatasets = inputDatasets }
        task.outputDataset = outputDataset ?? task.outputDataset
        if filesPerJob != nil || bytesPerJob != nil { (task.filesPerJob, task.bytesPerJob) = (filesPerJob, bytesPerJob) }
        task.jobCount = jobCount ?? task.jobCount
        if let outputs { task.outputs = outputs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        task.resources.cores = cores ?? task.resources.cores
        task.resources.memory = memory ?? task.resources.memory
        task.resources.disk = disk ?? task.resources.disk
        task.resources.walltime = walltime ?? task.resources.walltime
        task.queue = queue ?? task.queue
        task.priority = priority ?? task.priority
        task.maxAttempts = maxAttempts ?? task.maxAttempts
        task.payload.container = container ?? task.payload.container
        for item in env {
            let parts = item.split(separator: "=", maxSplits: 1)
            task.payload.environment[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        task.name = name ?? task.name
        task.scope = scope ?? task.scope
        if task.filesPerJob == nil && task.bytesPerJob == nil && !task.inputDatasets.isEmpty {
            task.filesPerJob = defaults.filesPerJob
        }
        return task
    }

    private func printPreview(_ result: TaskSubmitResult) {
        var table = TextTable("JOB", "QUEUE", "INPUTS", "OUTPUTS", "COMMAND")
        for planned in result.preview {
            let spec = planned.spec
            let inputs = spec.inputs.map(\.lfn)
            table.add(spec.name ?? "", planned.queue,
                      inputs.count <= 2 ? inputs.joined(separator: ",") : "\(inputs[0]),… (\(inputs.count))",
                      spec.outputs.map(\.lfn).joined(separator: ","),
                      spec.payload.commandLine)
        }
        say(table.render())
        let more = result.jobs - result.preview.count
        if more > 0 { say("… and \(more) more") }
        say("dry run: nothing submitted; \(result.jobs) job\(result.jobs == 1 ? "" : "s") would be made (\(Self.queueList(result.queues)))")
    }

    static func queueList(_ queues: [String: Int]) -> String {
        queues.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.map { "\($0.key) \($0.value)" }
            .joined(separator: ", ")
    }
}

extension ByteCount: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
}
