import Foundation
import PandaSystem

/// A role `panda up` runs as a child process of its own: this same binary
/// with a subcommand, its output in a log file.
final class ChildRole: Sendable {
    let name: String
    let log: String
    private let process: ChildProcess

    /// `environment` is set over this process's own.
    init(name: String, arguments: [String], log: String, environment extra: [String: String] = [:]) throws {
        self.name = name
        self.log = log
        // It stops by itself if this process dies without stopping it (kill -9).
        var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        environment[OrphanWatch.variable] = String(getpid())
        process = try ChildProcess.spawn(Self.executable, arguments, environment: environment, stdout: log)
    }

    /// This very binary.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Nil while it runs; its exit code once it has ended.
    var exited: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// SIGTERM, then up to `grace` seconds for it to finish, then SIGKILL.
    func stop(grace: TimeInterval = 30) {
        process.signal(SIGTERM)
        if process.wait(timeout: grace) == nil { process.kill9() }
    }

    /// The last lines of its log, for an error message.
    func tail(_ lines: Int = 15) -> String {
        let text = SmallFile.text(log) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
