import Foundation
import PandaCore
import PandaSystem
import Synchronization

/// A running payload: its own process group, stdin from /dev/null, stdout
/// and stderr to files, and a thread that waits for it so its exit is seen
/// the moment it happens rather than at the next poll.
///
/// ```swift
/// let payload = try PayloadProcess.spawn(command, stdout: "payload.stdout", stderr: "payload.stderr")
/// let exit = await payload.exit()
/// ```
final class PayloadProcess: Sendable {
    let pid: pid_t
    /// Taken before the spawn: a payload that stops its pilot at once
    /// (`kill -STOP $PPID`, same uid) cannot move its start to when the
    /// pilot runs again.
    let started: ContinuousClock.Instant
    private let outcome = Mutex<PayloadExit?>(nil)
    private let waiters = Mutex<(next: Int, calls: [Int: @Sendable (PayloadExit) -> Void])>((0, [:]))

    private init(pid: pid_t, started: ContinuousClock.Instant) {
        self.pid = pid
        self.started = started
    }

    /// With `identity`, the payload runs as that user (the pilot is root or
    /// has CAP_SETUID/CAP_SETGID).
    static func spawn(_ command: PayloadCommand, stdout: String, stderr: String,
                      identity: Spawn.Identity? = nil) throws(JobFailure) -> PayloadProcess {
        // Its own process group, so the whole tree can be signalled; nothing
        // the pilot has open (server connections, the journal) leaks in.
        let pid: pid_t
        let started = ContinuousClock.now
        do {
            pid = try Spawn.start(command.arguments[0], Array(command.arguments.dropFirst()), environment: command.environment,
                                  stdin: "/dev/null", stdout: stdout, stderr: stderr, directory: command.workDirectory,
                                  truncate: true, searchPath: true, identity: identity)
        } catch {
            throw JobFailure(.payloadFailed, "cannot run \(command.arguments[0]): \(error.message)")
        }
        let process = PayloadProcess(pid: pid, started: started)
        let thread = Thread { process.waitForExit() }
        thread.name = "payload-wait-\(pid)"
        thread.start()
        return process
    }

    /// Blocks a dedicated thread in wait4, then wakes everyone waiting.
    private func waitForExit() {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exit = PayloadExit(status: status, usage: usage, duration: ContinuousClock.now - started)
        // Anything the payload left behind in its group goes too.
        kill(-pid, SIGKILL)
        let resumed = outcome.withLock { value -> [@Sendable (PayloadExit) -> Void] in
            value = exit
            return waiters.withLock { list in defer { list.calls.removeAll() }; return Array(list.calls.values) }
        }
        resumed.forEach { $0(exit) }
    }

    func exit() async -> PayloadExit {
        await withCheckedContinuation { continuation in
            whenExited { continuation.resume(returning: $0) }
        }
    }

    /// The exit, or nil when the payload still runs after `span`. The timer
    /// is cancelled when the exit comes first: a cancelled Task.sleep keeps
    /// its dispatch timer (and memory) until its deadline on Linux, and the
    /// heartbeat's deadline can be half an hour away.
    func exit(within span: TimeSpan) async -> PayloadExit? {
        await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation)
            let waiter = whenExited { exit in
                once.cancelTimer()
                once.resume(exit)
            }
            guard let waiter else { return }
            once.startTimer(after: span) { [self] in
                waiters.withLock { _ = $0.calls.removeValue(forKey: waiter) }
                once.resume(nil)
            }
        }
    }

    /// Calls `body` once the payload has exited — at once, returning nil, if
    /// it has; otherwise returns the waiter's key.
    @discardableResult
    private func whenExited(_ body: @escaping @Sendable (PayloadExit) -> Void) -> Int? {
        let (done, key) = outcome.withLock { value -> (PayloadExit?, Int?) in
            guard value == nil else { return (value, nil) }
            return (nil, waiters.withLock { list in
                list.next += 1
                list.calls[list.next] = body
                return list.next
            })
        }
        if let done { body(done) }
        return key
    }

    var hasExited: Bool { outcome.withLock { $0 != nil } }

    /// SIGTERM to the whole group now, SIGKILL after `grace` if it still runs.
    func terminate(grace: TimeSpan) {
        guard !hasExited else { return }
        kill(-pid, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(grace.milliseconds))) { [self] in
            if !hasExited { kill(-pid, SIGKILL) }
        }
    }
}

/// Resumes a continuation from whichever comes first, the exit or a timer.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<PayloadExit?, Never>?
    private var timer: (any DispatchSourceTimer)?

    init(_ continuation: CheckedContinuation<PayloadExit?, Never>) {
        self.continuation = continuation
    }

    func startTimer(after span: TimeSpan, _ fire: @escaping @Sendable () -> Void) {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.setEventHandler(handler: fire)
        timer.schedule(deadline: .now() + .milliseconds(Int(span.milliseconds)))
        lock.withLock { self.timer = timer }
        timer.resume()
    }

    func cancelTimer() {
        lock.withLock { timer }?.cancel()
    }

    func resume(_ value: PayloadExit?) {
        let stored = lock.withLock { () -> CheckedContinuation<PayloadExit?, Never>? in
            defer { continuation = nil }
            return continuation
        }
        stored?.resume(returning: value)
    }
}

/// How a payload ended.
struct PayloadExit: Sendable {
    /// The exit code, when it exited rather than being killed.
    let code: Int32?
    /// The signal that killed it, if one did.
    let signal: Int32?
    /// User plus system CPU of the payload and the children it waited for.
    let cpuSeconds: Double
    /// The largest resident set of any one process of it, as the kernel kept it.
    let maxRSSBytes: Int64
    let duration: Duration

    init(status: Int32, usage: rusage, duration: Duration) {
        // WIFEXITED / WEXITSTATUS / WTERMSIG spelled out: the macros do not import.
        let termination = status & 0x7f
        code = termination == 0 ? (status >> 8) & 0xff : nil
        signal = termination != 0 && termination != 0x7f ? termination : nil
        cpuSeconds = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        maxRSSBytes = Int64(usage.ru_maxrss) * 1024
        self.duration = duration
    }
}
