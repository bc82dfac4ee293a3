import Foundation
import PandaSystem

/// A process a benchmark starts: a `panda` role (server, monitor, factory)
/// in a directory of its own, its output in a log file there, which
/// `stop()` ends with SIGTERM and reaps; or, with `output(of:)`, a command
/// run to its end (`panda token issue`, `panda config check`, sinfo).
///
/// ```swift
/// let server = try BenchProcess.start(panda, ["server", "-c", config], in: directory, log: "server.log")
/// try server.waitUntilServing(port: port, what: "server")
/// let token = try BenchProcess.issueToken(panda, config: config, user: "bench", scope: "submit")
/// server.stop()
/// ```
public final class BenchProcess: @unchecked Sendable {
    public let pid: pid_t
    public let log: String
    private var reaped = false

    private init(pid: pid_t, log: String) {
        self.pid = pid
        self.log = log
    }

    public static func start(_ executable: String, _ arguments: [String], in directory: String, log: String,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BenchProcess {
        let path = directory + "/" + log
        do {
            let pid = try Spawn.start(executable, arguments, environment: environment, stdin: "/dev/null", stdout: path, stderr: path,
                                      directory: directory)
            return BenchProcess(pid: pid, log: path)
        } catch {
            throw BenchmarkError("cannot start \(executable) \(arguments.joined(separator: " ")): \(error.message)")
        }
    }

    /// Waits (up to a generous minute) until `GET /healthz` answers 200 on `port`.
    public func waitUntilServing(port: Int, what: String) throws {
        for _ in 0..<1200 {
            if let client = try? HTTPClient(port: port), let reply = try? client.get("/healthz"), reply.status == 200 { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                reaped = true
                throw BenchmarkError("the \(what) exited (status \(Spawn.exitCode(status))): \(tail)")
            }
            usleep(50_000)
        }
        throw BenchmarkError("the \(what) did not answer on port \(port) within a minute: \(tail)")
    }

    /// The end of its log, for error messages.
    public var tail: String { String((SmallFile.text(log) ?? "").suffix(2000)) }

    public func stop() {
        guard !reaped else { return }
        reaped = true
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Runs a program to its end; its stdout (trimmed), or an error with its output.
    public static func output(of executable: String, _ arguments: [String],
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let out = NSTemporaryDirectory() + "panda-bench-\(UUID().uuidString.prefix(8)).out"
        let err = out + ".err"
        defer { unlink(out); unlink(err) }
        let pid: pid_t
        do {
            pid = try Spawn.start(executable, arguments, environment: environment, stdin: "/dev/null", stdout: out, stderr: err)
        } catch {
            throw BenchmarkError("cannot run \(executable): \(error.message)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (SmallFile.text(out) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard Spawn.exitCode(status) == 0 else {
            throw BenchmarkError("\(executable) \(arguments.joined(separator: " ")) exited \(Spawn.exitCode(status)): \(text) \(SmallFile.text(err) ?? "")")
        }
        return text
    }

    /// `panda token issue` for a user, with one or more queues for pilot and factory scopes.
    public static func issueToken(_ panda: String, config: String, user: String, scope: String, queues: [String] = []) throws -> String {
        try output(of: panda, ["token", "issue", "-c", config, "--user", user, "--scope", scope] + queues.flatMap { ["--queue", $0] })
    }
}

/// CPU seconds (user + system) a running process has used so far, from
/// /proc/PID/stat: what a benchmark reports of a server beside its rate.
public func cpuSeconds(of pid: pid_t) -> Double {
    guard let text = SmallFile.text("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return 0 }
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick).
public func freePort() -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
            bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
        }
    }
    return bound ? Int(UInt16(bigEndian: address.sin_port)) : 30000 + Int.random(in: 0..<20000)
}
