import Foundation
import PandaSystem

/// A role `panda up` runs as a child process of its own: this same binary
/// with a subcommand, its output in a log file.
final class ChildRole: @unchecked Sendable {
    let name: String
    let pid: pid_t
    let log: String
    private var exitStatus: Int32?

    init(name: String, arguments: [String], log: String) throws {
        self.name = name
        self.log = log
        pid = try Spawn.start(Self.executable, arguments, environment: ProcessInfo.processInfo.environment,
                              stdin: "/dev/null", stdout: log, stderr: log)
    }

    /// This very binary.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Nil while it runs; its exit code once it has ended (reaped here).
    var exited: Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        exitStatus = Spawn.exitCode(status)
        return exitStatus
    }

    /// SIGTERM, then up to `grace` for it to finish, then SIGKILL.
    func stop(grace: TimeInterval = 30) {
        guard exited == nil else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while exited == nil && Date() < deadline { usleep(50_000) }
        if exited == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            exitStatus = Spawn.exitCode(status)
        }
    }

    /// The last lines of its log, for an error message.
    func tail(_ lines: Int = 15) -> String {
        let text = SmallFile.text(log) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
