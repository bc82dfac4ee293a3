import Foundation
import PandaCore

/// A task described in YAML, as `panda submit task.yaml` reads it.
///
/// ```yaml
/// name: count-events
/// exec: analyze.sh %IN %OUT          # or executable: + arguments:
/// in_ds: user.jdoe.raw               # one or a list
/// out_ds: user.jdoe.counts
/// files_per_job: 2                   # or bytes_per_job: 10GB; n_jobs: N without inputs
/// outputs: [counts.txt]
/// cores: 1
/// memory: 2GB
/// walltime: 2h
/// env: { MODE: fast }
/// ```
/// Every problem is reported as `FILE:LINE:COLUMN: KEY: message`.
/// Keys the file leaves out keep their values in `base` (the user's defaults).
public enum TaskFile {
    public static func load(path: String, over base: TaskSpec = TaskSpec(payload: Payload(executable: "")),
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigLoadError) -> TaskSpec {
        try SingleFileLoader(environment: environment).load(path: path, what: "a task file") { r, context in read(r, context, base) }
    }

    public static func load(text: String, file: String, over base: TaskSpec = TaskSpec(payload: Payload(executable: "")),
                            environment: [String: String] = [:]) throws(ConfigLoadError) -> TaskSpec {
        try SingleFileLoader(environment: environment).load(text: text, file: file, what: "a task file") { r, context in read(r, context, base) }
    }

    private static func read(_ r: ConfigReader, _ context: DecodeContext, _ base: TaskSpec) -> TaskSpec {
        var payload = Payload(executable: "")
        if let exec = r.node("exec") {
            if r.has("executable") || r.has("arguments") {
                context.diagnostics.error(exec.node.mark, exec.path, "give exec, or executable with arguments, not both")
            }
            if let line: String = r.value("exec") {
                do {
                    let words = try CommandWords.split(line)
                    if words.isEmpty { context.diagnostics.error(exec.node.mark, exec.path, "the command is empty") }
                    payload.executable = words.first ?? ""
                    payload.arguments = Array(words.dropFirst())
                } catch {
                    context.diagnostics.error(exec.node.mark, exec.path, error.description)
                }
            }
        } else if r.has("executable") {
            payload.executable = r.value("executable") ?? ""
            payload.arguments = r.list("arguments")
        } else {
            let _: String? = r.required("exec", expecting: "the command each job runs, with %IN and %OUT")
        }
        payload.environment = r.stringMap("env")
        payload.container = r.value("container")

        var task = base
        task.payload = payload
        task.name = r.value("name") ?? base.name
        task.inputDatasets = r.list("in_ds", default: base.inputDatasets)
        task.outputDataset = r.value("out_ds") ?? base.outputDataset
        task.filesPerJob = r.value("files_per_job", in: 1...100_000) ?? base.filesPerJob
        task.bytesPerJob = r.value("bytes_per_job") ?? base.bytesPerJob
        if task.bytesPerJob != nil && !r.has("files_per_job") { task.filesPerJob = nil }
        task.jobCount = r.value("n_jobs", in: 1...10_000_000) ?? base.jobCount
        if r.has("outputs") { task.outputs = r.list("outputs") }
        task.scope = r.value("scope") ?? base.scope
        task.queue = r.value("queue") ?? base.queue
        task.priority = r.value("priority", default: base.priority, in: -1_000_000...1_000_000)
        task.maxAttempts = r.value("max_attempts", in: 1...100) ?? base.maxAttempts
        task.resources = ResourceRequest(cores: r.value("cores", default: base.resources.cores, in: 1...1024),
                                         memory: r.value("memory") ?? base.resources.memory,
                                         disk: r.value("disk") ?? base.resources.disk,
                                         walltime: r.value("walltime") ?? base.resources.walltime)
        task.software = r.list("software", default: base.software)

        // What only the whole task shows, at the key it concerns.
        for problem in TaskSplitter(task: task, owner: "user").keyedProblems() {
            // At the first key the problem is about that the file writes.
            if let key = problem.keys.first(where: r.has), let written = r.node(key) {
                context.diagnostics.error(written.node.mark, written.path, problem.message)
            } else {
                context.diagnostics.error(r.mark, "", problem.message)
            }
        }
        r.finish()
        return task
    }
}
