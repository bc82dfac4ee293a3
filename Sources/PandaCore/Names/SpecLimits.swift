/// Bounds on what one job or task may ask for, checked before anything is
/// allocated for it or looped over (the server's `server.limits`).
///
/// ```swift
/// let problems = spec.problems(within: SpecLimits())
/// let splitter = TaskSplitter(task: task, owner: "jdoe", limits: SpecLimits(jobsPerTask: 1000))
/// ```
public struct SpecLimits: Sendable, Equatable {
    /// Jobs one task may make (`jobs_per_task`).
    public var jobsPerTask: Int
    /// Input files, and output files, of one job (`files_per_job`).
    public var filesPerJob: Int
    /// Replicas given for one file (`replicas_per_file`).
    public var replicasPerFile: Int
    /// Bytes of a job's arguments and environment together, after
    /// placeholders are expanded: what `execve` will take (`command_bytes`).
    public var commandBytes: Int
    /// Bytes of all a task's jobs' arguments and environments together (`task_command_bytes`).
    public var taskCommandBytes: Int
    /// Bytes of any other one string: executable, container, names, URLs (`text_bytes`).
    public var textBytes: Int
    /// Items of any other list: software tags, environment entries, input
    /// datasets, a task's output names (`list_items`).
    public var listItems: Int

    public init(jobsPerTask: Int = 200_000, filesPerJob: Int = 100_000, replicasPerFile: Int = 100,
                commandBytes: Int = 1 << 20, taskCommandBytes: Int = 256 << 20, textBytes: Int = 4096, listItems: Int = 1000) {
        self.jobsPerTask = jobsPerTask
        self.filesPerJob = filesPerJob
        self.replicasPerFile = replicasPerFile
        self.commandBytes = commandBytes
        self.taskCommandBytes = taskCommandBytes
        self.textBytes = textBytes
        self.listItems = listItems
    }

    /// The command's size as `execve` counts it: each string and its NUL.
    public static func commandBytes(arguments: [String], environment: [String: String]) -> Int {
        arguments.reduce(0) { $0 + $1.utf8.count + 1 } + environment.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 2 }
    }
}
