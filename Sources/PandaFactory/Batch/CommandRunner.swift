import Foundation
import PandaCore
import PandaSystem

/// The one way the factory runs batch commands (sbatch, condor_q, qstat…):
/// found on PATH, with a timeout after which the whole process group is
/// killed, stdout and stderr captured, and errors that name the command.
///
/// ```swift
/// let output = try await runner.run("squeue", ["-h", "-t", "all", "-o", "%i|%T|%r"])
/// output.status; output.stdout; output.stderr
/// ```
struct CommandRunner: Sendable {
    let timeout: TimeSpan
    /// The environment commands run with (the factory's own by default).
    var environment: [String: String] = ProcessInfo.processInfo.environment

    struct Output: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs to the end; a non-zero exit is returned, not thrown.
    func run(_ command: String, _ arguments: [String], input: String? = nil) async throws(BatchError) -> Output {
        guard let executable = locate(command) else {
            throw BatchError.commandFailed(command: command, detail: "\(command) is not on PATH (\(environment["PATH"] ?? "unset"))")
        }
        let scratch = NSTemporaryDirectory() + "panda-cmd-\(RandomHex.make(bits: 48))"
        let (stdinPath, stdoutPath, stderrPath) = (scratch + ".in", scratch + ".out", scratch + ".err")
        defer { for path in [stdinPath, stdoutPath, stderrPath] { unlink(path) } }
        FileManager.default.createFile(atPath: stdinPath, contents: Data((input ?? "").utf8))
        let pid: pid_t
        do {
            pid = try Self.spawn(executable, arguments, environment: environment, stdin: stdinPath, stdout: stdoutPath, stderr: stderrPath)
        } catch {
            throw BatchError.commandFailed(command: describe(command, arguments), detail: "cannot start: \(String(cString: strerror(error.code)))")
        }
        let deadline = ContinuousClock.now + timeout.duration
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if ContinuousClock.now >= deadline {
                // The whole group: a wrapper script's children go too.
                kill(-pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw BatchError.timedOut(command: describe(command, arguments), after: timeout)
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Output(status: code, stdout: SmallFile.text(stdoutPath) ?? "", stderr: SmallFile.text(stderrPath) ?? "")
    }

    /// posix_spawn in a process group of its own, with default signal
    /// handling (the factory itself ignores SIGTERM and SIGINT).
    private static func spawn(_ executable: String, _ arguments: [String], environment: [String: String],
                              stdin: String, stdout: String, stderr: String) throws(SpawnError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SpawnError(code: result) }
        return pid
    }

    /// Runs and insists on exit status 0.
    func check(_ command: String, _ arguments: [String], input: String? = nil) async throws(BatchError) -> Output {
        let output = try await run(command, arguments, input: input)
        guard output.status == 0 else {
            throw BatchError.commandFailed(command: describe(command, arguments),
                                           detail: "exit \(output.status): \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return output
    }

    private func locate(_ command: String) -> String? {
        if command.contains("/") { return FileManager.default.isExecutableFile(atPath: command) ? command : nil }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(command)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private func describe(_ command: String, _ arguments: [String]) -> String {
        ([command] + arguments.prefix(6)).joined(separator: " ") + (arguments.count > 6 ? " …" : "")
    }
}

/// posix_spawn's error number.
struct SpawnError: Error {
    let code: Int32
}
