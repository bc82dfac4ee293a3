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
    /// A task makes at most this many jobs.
    public let jobLimit: Int

    public init(task: TaskSpec, owner: String, jobLimit: Int = 1_000_000) {
        self.task = task
        self.owner = owner
        self.jobLimit = jobLimit
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
    public static func defaultScope(owner: String) -> String {
        "user." + String(owner.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" ? $0 : "_" })
    }

    /// Everything wrong with the task itself, before any file is looked at.
    public func problems() -> [String] { keyedProblems().map(\.message) }

    /// The same problems, each with the task-file keys it concerns, so a
    /// task file can point at the line that caused it.
    public func keyedProblems() -> [TaskProblem] {
        var problems: [TaskProblem] = []
        func add(_ message: String, at keys: [String] = []) { problems.append(TaskProblem(keys: keys, message: message)) }
        let command = ["exec", "arguments", "executable"]
        if task.payload.executable.isEmpty { add("payload.executable is empty", at: command) }
        if task.filesPerJob != nil && task.bytesPerJob != nil { add("give files_per_job or bytes_per_job, not both", at: ["files_per_job"]) }
        if let n = task.filesPerJob, !(1...100_000).contains(n) { add("files_per_job \(n) is not 1 to 100000", at: ["files_per_job"]) }
        if let bytes = task.bytesPerJob, bytes.bytes <= 0 { add("bytes_per_job must be positive") }
        if let n = task.jobCount {
            if !task.inputDatasets.isEmpty { add("n_jobs is for tasks without input datasets; the inputs decide the jobs", at: ["n_jobs"]) }
            if n < 1 { add("n_jobs \(n) is not at least 1", at: ["n_jobs"]) }
        }
        for name in task.inputDatasets { if let problem = CatalogueName.problem(name, what: "input dataset") { add(problem) } }
        if let name = task.outputDataset, let problem = CatalogueName.problem(name, what: "output dataset") { add(problem) }
        if let problem = CatalogueName.problem(scope, what: "scope") { add(problem, at: ["scope"]) }
        let outputs = outputNames
        if !outputs.isEmpty && task.outputDataset == nil {
            add("outputs need an output dataset to be named after and registered in (out_ds)", at: ["outputs", "out_ds"])
        }
        for (index, name) in outputs.enumerated() where name.isEmpty || name.contains("/") || name.count > 200 {
            add("outputs[\(index)] '\(name)' must be a plain file name ending (no '/', at most 200 characters)", at: ["outputs"])
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
        let groups: [[DatasetFile]]
        if task.inputDatasets.isEmpty {
            groups = Array(repeating: [], count: task.jobCount ?? 1)
        } else {
            guard !inputs.isEmpty else {
                throw .invalid(["input dataset\(task.inputDatasets.count == 1 ? "" : "s") \(task.inputDatasets.joined(separator: ", ")) hold no data files"])
            }
            groups = group(inputs)
        }
        guard groups.count <= jobLimit else { throw .tooManyJobs(groups.count, limit: jobLimit) }
        return groups.enumerated().map { index, files in job(number: index + 1, inputs: files) }
    }

    private func group(_ inputs: [DatasetFile]) -> [[DatasetFile]] {
        if let budget = task.bytesPerJob?.bytes {
            var groups: [[DatasetFile]] = []
            var current: [DatasetFile] = []
            var bytes: Int64 = 0
            for file in inputs {
                if !current.isEmpty && bytes + file.size > budget {
                    groups.append(current)
                    current = []
                    bytes = 0
                }
                current.append(file)
                bytes += file.size
            }
            if !current.isEmpty { groups.append(current) }
            return groups
        }
        let perJob = task.filesPerJob ?? 1
        return stride(from: 0, to: inputs.count, by: perJob).map { Array(inputs[$0..<min($0 + perJob, inputs.count)]) }
    }

    private func job(number: Int, inputs: [DatasetFile]) -> JobSpec {
        let stem = task.outputDataset.map { "\($0)._\(Self.sequence(number))" }
        let outputs = stem.map { stem in outputNames.map { "\(stem).\($0)" } } ?? []
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

    public var description: String {
        switch self {
        case .invalid(let problems): return problems.joined(separator: "; ")
        case .tooManyJobs(let jobs, let limit): return "the task would make \(jobs) jobs; at most \(limit) (server.limits.jobs_per_task)"
        }
    }
}
