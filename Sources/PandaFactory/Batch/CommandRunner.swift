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
            pid = try Spawn.start(executable, arguments, environment: environment, stdin: stdinPath, stdout: stdoutPath, stderr: stderrPath)
        } catch {
            throw BatchError.commandFailed(command: describe(command, arguments), detail: "cannot start: \(error.message)")
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
        return Output(status: Spawn.exitCode(status), stdout: SmallFile.text(stdoutPath) ?? "", stderr: SmallFile.text(stderrPath) ?? "")
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
