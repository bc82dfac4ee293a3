import Foundation
import PandaCore
import PandaSystem
import TestSupport

/// A server whose queues suit pilot tests, and the means to run real
/// `panda pilot` processes against it.
final class PilotSite: @unchecked Sendable {
    let server: ServerProcess
    let storageDirectory: String
    let user: String
    let pilotTokens: [String: String]

    /// `queues` are YAML lines under the site's `queues:`; `storage` lines
    /// under its `storage:` (LOCAL, a directory, is always there).
    /// `top` is YAML for further top-level sections (a factory's, say).
    /// `transferTimeout` bounds each transfer of the site's pilots.
    /// `sharedUID` is `pilot.shared_uid`: the tests' pilots run as root
    /// and, unless they name payload users, their payloads too, so the site
    /// accepts that unless a test says otherwise (nil: not set, refuse).
    init(queues: [String], storage: [String] = [], pilot: String = "", top: String = "", server serverSection: String = "",
         transferTimeout: String = "20s", sharedUID: String? = "accept", watchInterval: String = "200ms") throws {
        let storageDirectory = NSTemporaryDirectory() + "panda-local-se-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: storageDirectory, withIntermediateDirectories: true)
        self.storageDirectory = storageDirectory
        let names = queues.compactMap { $0.split(separator: ":").first.map { $0.trimmingCharacters(in: .whitespaces) } }
        server = try ServerProcess(server: serverSection, queues: """
            pilot:
              watch_interval: \(watchInterval)
              kill_grace: 2s
              transfer: { retries: 0, timeout: \(transferTimeout) }
            \(sharedUID.map { "  shared_uid: \($0)" } ?? "")
            \(pilot)
            \(top)
            sites:
              SITE:
                storage:
                  LOCAL: { url: \(storageDirectory) }
            \(storage.map { "      " + $0 }.joined(separator: "\n"))
                queues:
            \(queues.map { "      " + $0 }.joined(separator: "\n"))
            """)
        user = try server.token("jdoe", scope: "submit")
        var tokens: [String: String] = [:]
        for name in names { tokens[name] = try server.token("pilot-\(name)", scope: "pilot", queues: [name]) }
        pilotTokens = tokens
    }

    func cleanUp() {
        server.cleanUp()
        try? FileManager.default.removeItem(atPath: storageDirectory)
    }

    /// Submits jobs (JSON objects) and returns their ids.
    func submit(_ jobs: [[String: Any]]) async throws -> [Int64] {
        let reply = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": jobs])
        guard reply.status == 200 else { throw ServerProcessError("submit failed: \(reply.status) \(reply.message)") }
        return try reply.decode(SubmitResult.self).jobs.map(\.id)
    }

    func describe(_ id: Int64) async throws -> JobDescription {
        try await server.post("/api/v1/job/get_description", token: user, json: ["job_id": id]).decode(JobDescription.self)
    }

    /// Waits until the job is in `state` (or any final state when nil): a
    /// bound on progress, so the default is long enough for a loaded machine.
    @discardableResult
    func wait(for id: Int64, state: JobState? = nil, timeout: TimeInterval = 300) async throws -> JobDescription {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let job = try await describe(id)
            if let state, job.status.state == state { return job }
            if state == nil, job.status.state.isFinal { return job }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServerProcessError("job \(id) did not reach \(state?.rawValue ?? "a final state"): \(try await describe(id).status.state)")
    }

    /// The pilots' state directory (final reports not yet delivered), shared
    /// by every pilot of this site as by every pilot of one user on a node.
    var stateDirectory: String { server.directory + "/pilot-state" }

    /// A pilot process for `queue`.
    /// With `defaultDirectories`, no --recovery-dir and --state-dir: the pilot picks its own.
    /// `stdin`: a file the pilot reads as its standard input (a token for `--token-fd 0`).
    func pilot(_ queue: String, arguments: [String] = [], environment: [String: String] = [:], tokenInEnvironment: Bool = true,
               defaultDirectories: Bool = false, stdin: String? = nil) throws -> PilotProcess {
        var env = environment
        if tokenInEnvironment { env["PANDA_PILOT_TOKEN"] = pilotTokens[queue] }
        let directories = defaultDirectories ? [] : ["--recovery-dir", server.directory + "/recovery", "--state-dir", stateDirectory]
        return try PilotProcess.start(
            ["pilot", "--server", "http://127.0.0.1:\(server.port)", "--queue", queue, "-c", server.configPath,
             "--workdir", server.directory + "/work"] + directories + arguments,
            environment: env, logPath: server.directory + "/pilot-\(UUID().uuidString.prefix(6)).log", stdin: stdin)
    }

    /// Runs a pilot that exits when the queue is empty, and waits for it.
    func runPilot(_ queue: String, arguments: [String] = [], timeout: TimeInterval = 300) throws -> PilotProcess {
        let process = try pilot(queue, arguments: ["--idle-timeout", "0s"] + arguments)
        try process.wait(timeout: timeout)
        return process
    }
}

/// One `panda pilot` process, its exit status and its log.
final class PilotProcess: @unchecked Sendable {
    let process: ChildProcess
    let logPath: String

    private init(process: ChildProcess, logPath: String) {
        self.process = process
        self.logPath = logPath
    }

    static func start(_ arguments: [String], environment: [String: String], logPath: String, stdin: String? = nil) throws -> PilotProcess {
        var env = ["PATH": "/usr/bin:/bin"]
        env.merge(environment) { $1 }
        // The pilot's log is its own (0600), as a batch system's output file would be.
        close(open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600))
        let process = try ChildProcess.spawn(PandaProcess.binary, arguments, environment: env, stdout: logPath, stdin: stdin)
        return PilotProcess(process: process, logPath: logPath)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var status: Int32 { process.terminationStatus }

    func wait(timeout: TimeInterval) throws {
        guard process.wait(timeout: timeout) != nil else {
            process.kill9()
            throw ServerProcessError("pilot did not exit within \(timeout) s:\n\(log)")
        }
    }

    func signal(_ number: Int32) { process.signal(number) }
}

/// A job running `/bin/sh -c SCRIPT`.
func shellJob(_ script: String, queue: String, name: String = "job", outputs: [String] = [], inputs: [[String: Any]] = [],
              walltime: String? = nil, maxAttempts: Int = 1, environment: [String: String] = [:]) -> [String: Any] {
    var resources: [String: Any] = ["cores": 1]
    if let walltime { resources["walltime"] = walltime }
    return ["name": name, "queue": queue, "max_attempts": maxAttempts, "resources": resources,
            "payload": ["executable": "/bin/sh", "arguments": ["-c", script], "environment": environment],
            "outputs": outputs.map { ["lfn": $0] }, "inputs": inputs]
}

/// Whether a process with this id still runs (a zombie does not).
func processExists(_ pid: pid_t) -> Bool {
    ProcessStat.isRunning(pid)
}

/// Processes of a process group that are not zombies (a zombie has ended;
/// only its parent's reaping is pending).
func liveProcesses(inGroup group: pid_t) -> [pid_t] {
    ProcessStat.all().filter { $0.group == group && $0.isRunning }.map(\.pid)
}
