import Foundation

/// A child process started with `Spawn` (its own process group, nothing of
/// the parent's inherited) and reaped with waitpid: what `panda up` runs its
/// roles as, and what the tests run everything as. Foundation's `Process` was seen to deadlock in its exit
/// monitoring when many processes start and end at once across parallel
/// test suites (Swift 6.3 on Linux), and it lets children inherit the test
/// runner's open descriptors; this does neither.
///
/// ```swift
/// let child = try ChildProcess.spawn("/usr/bin/curl", ["-s", url], stdout: "/tmp/out")
/// let status = child.wait()
/// ```
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `path` with exactly `environment`; output to files (or /dev/null).
    public static func spawn(_ path: String, _ arguments: [String], environment: [String: String],
                             stdout: String? = nil, stderr: String? = nil, stdin: String? = nil,
                             directory: String? = nil) throws -> ChildProcess {
        let output = stdout ?? "/dev/null"
        let pid: pid_t
        do {
            pid = try Spawn.start(path, arguments, environment: environment, stdin: stdin ?? "/dev/null", stdout: output,
                                  stderr: stderr ?? output, directory: directory)
        } catch {
            throw ChildProcessError("cannot start \(path): \(error.message)")
        }
        return ChildProcess(pid: pid)
    }

    /// Reaps it if it has ended; true while it runs.
    public var isRunning: Bool {
        lock.withLock {
            guard status == nil else { return false }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return true }
            status = Self.decode(raw)
            return false
        }
    }

    /// Waits for the end: the exit code, or 128 + the signal that ended it.
    @discardableResult
    public func wait() -> Int32 {
        lock.withLock {
            if let status { return status }
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            status = Self.decode(raw)
            return status!
        }
    }

    /// Waits up to `timeout` seconds; nil if it still runs.
    public func wait(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            if Date() >= deadline { return nil }
            usleep(10_000)
        }
        return wait()
    }

    public func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// SIGTERM, then the exit status.
    @discardableResult
    public func terminate() -> Int32 {
        signal(SIGTERM)
        return wait()
    }

    /// SIGKILL, then reaped.
    public func kill9() {
        signal(SIGKILL)
        wait()
    }

    public var terminationStatus: Int32 { lock.withLock { status ?? -1 } }

    private static func decode(_ raw: Int32) -> Int32 {
        raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
