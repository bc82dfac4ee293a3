/// Turns a task into its jobs: groups the input files (N per job, or as
/// many as fit in a byte budget), names each job's outputs and log after the
/// output dataset, and expands the placeholders of the arguments.
///
/// ```swift
/// let jobs = try TaskSplitter(task: task, owner: "jdoe").jobs(inputs: files)
/// // job 1 reads files[0..<n], writes user.jdoe.counts._000001.out, logs to …._000001.log.tgz
/// ```
public struct TaskSplitter: Sendable {
    public let task: TaskSpec
    public let owner: String
    /// What a task and each of its jobs may ask for.
    public let limits: SpecLimits
    /// A task makes at most this many jobs.
    public var jobLimit: Int { limits.jobsPerTask }

    public init(task: TaskSpec, owner: String, limits: SpecLimits = SpecLimits()) {
        self.task = task
        self.owner = owner
        self.limits = limits
    }

    public init(task: TaskSpec, owner: String, jobLimit: Int) {
        self.init(task: task, owner: owner, limits: SpecLimits(jobsPerTask: jobLimit))
    }

    /// The output name endings, defaulted from the arguments.
    public var outputNames: [String] {
        if let outputs = task.outputs { return outputs }
        let usesOutput = task.payload.arguments.contains { !Placeholders.outputsReferenced(in: $0).isEmpty }
        return usesOutput ? ["out"] : []
    }

    /// The scope outputs are named in.
    public var scope: String { task.scope ?? Self.defaultScope(owner: owner) }

    /// `user.OWNER`, with what a scope may not hold made `_`.
    public static func defaultScope(owner: String) -> String { ScopeGrants.personal(owner) }

    /// Everything wrong with the task itself, before any file is looked at.
    public func problems() -> [String] { keyedProblems().map(\.message) }

    /// The same problems, each with the task-file keys it concerns, so a
    /// task file can point at the line that caused it.
    public func keyedProblems() -> [TaskProblem] {
        var problems: [TaskProblem] = []
        func add(_ message: String, at keys: [String] = []) { problems.append(TaskProblem(keys: keys, message: message)) }
        let command = ["exec", "arguments", "executable"]
        // Lists are measured before they are walked.
        if task.inputDatasets.count > limits.listItems {
            add("in_ds has \(task.inputDatasets.count) datasets; at most \(limits.listItems) (server.limits.list_items)", at: ["in_ds"])
            return problems
        }
        if let outputs = task.outputs, outputs.count > limits.listItems {
            add("outputs has \(outputs.count) names; at most \(limits.listItems) (server.limits.list_items)", at: ["outputs"])
            return problems
        }
        let keys = ["payload": command, "resources.cores": ["cores"], "priority": ["priority"], "max_attempts": ["max_attempts"],
                    "queue": ["queue"], "software": ["software"], "name": ["name"]]
        for problem in template.problems(within: limits) {
            add(problem, at: keys.first { problem.hasPrefix($0.key) }?.value ?? [])
        }
        if task.filesPerJob != nil && task.bytesPerJob != nil { add("give files_per_job or bytes_per_job, not both", at: ["files_per_job"]) }
        if let n = task.filesPerJob, !(1...limits.filesPerJob).contains(n) {
            add("files_per_job \(n) is not 1 to \(limits.filesPerJob) (server.limits.files_per_job)", at: ["files_per_job"])
        }
        if let bytes = task.bytesPerJob, bytes.bytes <= 0 { add("bytes_per_job must be positive") }
        if let n = task.jobCount {
            if !task.inputDatasets.isEmpty { add("n_jobs is for tasks without input datasets; the inputs decide the jobs", at: ["n_jobs"]) }
            if n < 1 { add("n_jobs \(n) is not at least 1", at: ["n_jobs"]) }
        }
        for name in task.inputDatasets { if let problem = PathName.problem(name, as: .dataset, at: "input dataset") { add(problem, at: ["in_ds"]) } }
        if let name = task.outputDataset, let problem = PathName.problem(name, as: .dataset, at: "output dataset") { add(problem, at: ["out_ds"]) }
        if let problem = PathName.problem(scope, as: .scope, at: "scope") { add(problem, at: ["scope"]) }
        let outputs = outputNames
        if !outputs.isEmpty && task.outputDataset == nil {
            add("outputs need an output dataset to be named after and registered in (out_ds)", at: ["outputs", "out_ds"])
        }
        for (index, name) in outputs.enumerated() {
            // The ending becomes part of each output's file name: the same rules, with room for the stem.
            if name.utf8.count > 200 {
                add("outputs[\(index)] is \(name.utf8.count) bytes long; at most 200", at: ["outputs"])
            } else if let problem = PathName.problem(name, as: .file, at: "outputs[\(index)]") {
                add(problem, at: ["outputs"])
            }
        }
        if Set(outputs).count != outputs.count { add("outputs name the same file twice", at: ["outputs"]) }
        for argument in task.payload.arguments {
            for n in Placeholders.outputsReferenced(in: argument) where n > outputs.count {
                add("argument '\(argument)' uses %OUT\(n), but the task has \(outputs.count) output\(outputs.count == 1 ? "" : "s")", at: command)
            }
            if task.inputDatasets.isEmpty && Placeholders.usesInputs(argument) {
                add("argument '\(argument)' uses %IN, but the task has no input dataset", at: command)
            }
        }
        return problems
    }

    /// The jobs over `inputs` (the data files of the input datasets, in order).
    public func jobs(inputs: [DatasetFile]) throws(TaskSplitError) -> [JobSpec] {
        let problems = problems()
        guard problems.isEmpty else { throw .invalid(problems) }
        if let error = sizeError() { throw error }
        let groups: [ArraySlice<DatasetFile>]
        if task.inputDatasets.isEmpty {
            // Checked against the limit by sizeError() above, before this array exists.
            groups = Array(repeating: [], count: task.jobCount ?? 1)
        } else {
            guard !inputs.isEmpty else {
                throw .invalid(["input dataset\(task.inputDatasets.count == 1 ? "" : "s") \(task.inputDatasets.joined(separator: ", ")) hold no data files"])
            }
            groups = try group(inputs)
        }
        let command = CommandMeasure(task.payload)
        var total = 0
        for (index, files) in groups.enumerated() {
            let bytes = command.bytes(inputs: files.lazy.map(\.lfn), outputs: outputNames(number: index + 1), job: index + 1)
            guard bytes <= limits.commandBytes else { throw .commandTooLarge(job: index + 1, bytes: bytes, limit: limits.commandBytes) }
            total += bytes
            guard total <= limits.taskCommandBytes else { throw .taskTooLarge(bytes: total, limit: limits.taskCommandBytes) }
        }
        return groups.enumerated().map { index, files in job(number: index + 1, inputs: Array(files)) }
    }

    /// The task asks for more jobs than it may make, known without splitting
    /// (n_jobs); nil when only its inputs can tell.
    /// Also any list or string of the task past its limit.
    public func sizeError() -> TaskSplitError? {
        if task.inputDatasets.isEmpty, let n = task.jobCount, n > jobLimit { return .tooManyJobs(n, limit: jobLimit) }
        var sizes = template.sizeProblems(within: limits)
        if task.inputDatasets.count > limits.listItems {
            sizes.append("in_ds has \(task.inputDatasets.count) datasets; at most \(limits.listItems) (server.limits.list_items)")
        }
        if let outputs = task.outputs, outputs.count > limits.listItems {
            sizes.append("outputs has \(outputs.count) names; at most \(limits.listItems) (server.limits.list_items)")
        }
        return sizes.isEmpty ? nil : .tooLarge(sizes)
    }

    /// The inputs in groups, one per job; stops at the first group past the limit.
    private func group(_ inputs: [DatasetFile]) throws(TaskSplitError) -> [ArraySlice<DatasetFile>] {
        if let budget = task.bytesPerJob?.bytes {
            var groups: [ArraySlice<DatasetFile>] = []
            var start = 0
            var bytes: Int64 = 0
            for (index, file) in inputs.enumerated() {
                if index > start && bytes + file.size > budget {
                    groups.append(inputs[start..<index])
                    guard groups.count <= jobLimit else { throw .tooManyJobs(groups.count + 1, limit: jobLimit) }
                    start = index
                    bytes = 0
                }
                bytes += file.size
            }
            groups.append(inputs[start...])
            guard groups.count <= jobLimit else { throw .tooManyJobs(groups.count, limit: jobLimit) }
            return groups
        }
        let perJob = task.filesPerJob ?? 1
        let count = (inputs.count + perJob - 1) / perJob
        guard count <= jobLimit else { throw .tooManyJobs(count, limit: jobLimit) }
        return stride(from: 0, to: inputs.count, by: perJob).map { inputs[$0..<min($0 + perJob, inputs.count)] }
    }

    /// The job template as submitted, before any placeholder is expanded.
    private var template: JobSpec {
        JobSpec(name: task.name, queue: task.queue, priority: task.priority, maxAttempts: task.maxAttempts, payload: task.payload,
                resources: task.resources, software: task.software)
    }

    private func outputNames(number: Int) -> [String] {
        task.outputDataset.map { dataset in outputNames.map { "\(dataset)._\(Self.sequence(number)).\($0)" } } ?? []
    }

    private func job(number: Int, inputs: [DatasetFile]) -> JobSpec {
        let stem = task.outputDataset.map { "\($0)._\(Self.sequence(number))" }
        let outputs = outputNames(number: number)
        let values = Placeholders.Values(inputs: inputs.map(\.lfn), outputs: outputs, job: number)
        var payload = task.payload
        payload.arguments = task.payload.arguments.flatMap { Placeholders.expand($0, values) }
        return JobSpec(
            name: "\(task.name ?? task.outputDataset ?? "task")#\(number)", queue: task.queue, priority: task.priority,
            maxAttempts: task.maxAttempts, payload: payload, resources: task.resources, software: task.software,
            inputs: inputs.map(\.input),
            outputs: outputs.map { OutputFile(lfn: $0, scope: scope) },
            log: stem.map { OutputFile(lfn: "\($0).log.tgz", scope: scope) },
            outputDataset: task.outputDataset)
    }

    /// 000001: six digits, more when a task needs them, so names sort.
    static func sequence(_ number: Int) -> String {
        let digits = String(number)
        return digits.count >= 6 ? digits : String(repeating: "0", count: 6 - digits.count) + digits
    }
}

/// One thing wrong with a task, and the task-file keys it is about (best first).
public struct TaskProblem: Sendable, Equatable {
    public let keys: [String]
    public let message: String
}

public enum TaskSplitError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid([String])
    case tooManyJobs(Int, limit: Int)
    /// Lists or strings of the task past their limits.
    case tooLarge([String])
    /// One job's arguments and environment, expanded, would pass `command_bytes`.
    case commandTooLarge(job: Int, bytes: Int, limit: Int)
    /// All jobs' arguments and environments together would pass `task_command_bytes`.
    case taskTooLarge(bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .invalid(let problems), .tooLarge(let problems): return problems.joined(separator: "; ")
        case .tooManyJobs(let jobs, let limit): return "the task would make \(jobs) jobs; at most \(limit) (server.limits.jobs_per_task)"
        case .commandTooLarge(let job, let bytes, let limit):
            return "job \(job)'s arguments and environment would be \(bytes) bytes once placeholders expand; at most \(limit) (server.limits.command_bytes)"
        case .taskTooLarge(let bytes, let limit):
            return "the task's jobs would carry more than \(bytes) bytes of arguments and environment; at most \(limit) (server.limits.task_command_bytes)"
        }
    }
}
