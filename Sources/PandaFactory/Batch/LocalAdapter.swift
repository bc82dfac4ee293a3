import Foundation
import PandaConfig
import PandaCore
import PandaSystem

/// The embedded default: pilots as child processes on the factory's own
/// host. The factory keeps at most `batch.slots` (default: the host's cores)
/// of a queue's pilots alive. A pilot is known by its pid and its start time
/// (`PID:TICKS`, see `LocalPilotID`), so after a factory restart a process
/// that merely got a recorded pid again is not taken for a pilot, and cancel
/// never signals it. With `batch.user`, pilots run as that user, with umask
/// 022 (the factory must be root or hold CAP_SETUID and CAP_SETGID, and
/// CAP_CHOWN for their spool files and CAP_KILL to stop them), so their
/// payloads cannot read the factory's credential or the server's files.
struct LocalAdapter: BatchAdapter {
    var system: BatchSystem { .local }
    /// The configuration names `pilot.payload_users`: a `batch.user` pilot
    /// keeps CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_DAC_OVERRIDE and
    /// CAP_KILL (ambient, nothing else), so its payloads run as yet another user rather than
    /// under the pilot's own uid, where they could signal it or rewrite what
    /// it keeps (the pilot refuses that shape by default).
    var pilotsSwitchUser = false

    func submit(_ launches: [PilotLaunch], queue: QueueConfig, submitted: (Int, String) -> Void) async throws(BatchError) {
        var identity = try Self.identity(for: queue)
        if pilotsSwitchUser { identity?.keepsSwitchCapabilities = true }
        // The factory's environment, without its credentials or its systemd sockets.
        var base = ProcessInfo.processInfo.environment.filter { !Self.withheld.contains($0.key) && !$0.key.hasPrefix("WATCHDOG_") }
        if let identity {
            base["HOME"] = identity.home
            base["USER"] = identity.user
            base["LOGNAME"] = identity.user
        }
        for (index, launch) in launches.enumerated() {
            // Each pilot its own queue's environment over the factory's, never an earlier launch's.
            let environment = base.merging(launch.environment.mapValues { $0 == PilotScript.tokenDirectory ? launch.directory + "/" : $0 }) { $1 }
            if let identity { try Self.handOver(launch, to: identity) }
            let command = launch.command.map { $0 == PilotScript.tokenFile ? launch.directory + "/pilot.token" : $0 }
            let pid: pid_t
            do {
                pid = try Spawn.start(command[0], Array(command.dropFirst()), environment: environment, stdin: "/dev/null",
                                      stdout: launch.stdout, stderr: launch.stderr, directory: launch.directory, identity: identity)
            } catch {
                throw BatchError.commandFailed(command: command.joined(separator: " "), detail: "cannot start: \(error.message)")
            }
            // Read at once: the start time is what makes the pid this pilot's.
            guard let stat = ProcessStat(pid: pid) else {
                throw BatchError.commandFailed(command: command[0], detail: "pilot \(launch.name) (pid \(pid)) ended before it could be recorded")
            }
            submitted(index, LocalPilotID(pid: pid, startTime: stat.startTime).description)
        }
    }

    /// The queue's `batch.user`, or nil to run pilots as the factory's user.
    static func identity(for queue: QueueConfig) throws(BatchError) -> Spawn.Identity? {
        guard let user = queue.batch?.user else { return nil }
        var identity: Spawn.Identity
        do {
            identity = try Spawn.Identity(user: user)
        } catch {
            throw BatchError.commandFailed(command: "start pilot as \(user)", detail: "batch.user of \(queue.name): \(error)")
        }
        guard identity.isCurrent || Spawn.Identity.canSwitch else {
            throw BatchError.commandFailed(command: "start pilot as \(user)",
                                           detail: "batch.user of \(queue.name) needs the factory to run as root or with CAP_SETUID and CAP_SETGID")
        }
        // A login's umask, not the factory's private one (its unit has
        // UMask=0077 for its credential and ledger): what the pilot stores
        // on a local endpoint is read by other users (panda logs, the
        // monitor). The pilot makes its own secrets 0600/0700 itself.
        identity.umask = 0o022
        return identity
    }

    /// The pilot's directory and token become the pilot user's: it works
    /// there and reads the token (0600). The directory's group is the
    /// factory's, mode 0710, and the pilot's output files stay the
    /// factory's (0600): the factory, holding CAP_CHOWN but no
    /// CAP_DAC_OVERRIDE, still reaches them to open them for the child (like
    /// a shell redirection before sudo), and nobody else gets in. A pilot
    /// that runs payloads as another user gets 0711 instead: its payload
    /// user must reach its work directory inside by path (everything in
    /// there is 0600/0700, and nothing can be listed).
    static func handOver(_ launch: PilotLaunch, to identity: Spawn.Identity) throws(BatchError) {
        let token = launch.directory + "/pilot.token"
        for path in [token, launch.stdout, launch.stderr] where !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        // Mode first: once the pilot owns a file, only it may change the mode.
        let directoryMode: mode_t = identity.keepsSwitchCapabilities ? 0o711 : 0o710
        for (path, mode, group) in [(token, mode_t(0o600), identity.gid), (launch.directory, directoryMode, getegid())] {
            guard chmod(path, mode) == 0, chown(path, identity.uid, group) == 0 else {
                throw BatchError.commandFailed(command: "chown \(identity.user) \(path)", detail: String(cString: strerror(errno)))
            }
        }
    }

    func status(of ids: [String]) async throws(BatchError) -> [String: PilotBatchState] {
        var states: [String: PilotBatchState] = [:]
        for id in ids {
            // An id without a start time (an older factory's) cannot be told
            // from a stranger: it is gone.
            guard let pilot = LocalPilotID(id) else { continue }
            var status: Int32 = 0
            switch waitpid(pilot.pid, &status, WNOHANG) {
            case 0:
                // A child of ours, but the recorded pilot only if it started when recorded:
                // a pid this factory reaped before may now be another child's.
                if pilot.isAlive { states[id] = .running }
            case pilot.pid:
                let signal = status & 0x7f
                states[id] = signal != 0 ? .failed(reason: "killed by signal \(WaitStatus.name(Int(signal)))")
                                         : .done(exit: Int(Spawn.exitCode(status)))
            default:
                // Not our child: started by an earlier run of the factory.
                if pilot.isAlive { states[id] = .running }
            }
        }
        return states
    }

    /// Pilots by `--pilot-id NAME` in their command line, with their start times.
    func find(_ names: [String]) async throws(BatchError) -> [String: String] {
        let wanted = Set(names)
        var found: [String: String] = [:]
        for process in ProcessStat.all() where process.isRunning {
            guard let data = SmallFile.read("/proc/\(process.pid)/cmdline", limit: 65536) else { continue }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let flag = words.firstIndex(of: "--pilot-id"), flag + 1 < words.count, wanted.contains(words[flag + 1]) else { continue }
            found[words[flag + 1]] = LocalPilotID(pid: process.pid, startTime: process.startTime).description
        }
        return found
    }

    func cancel(_ ids: [String]) async throws(BatchError) {
        // SIGTERM: the pilot stops its payload, reports, and exits. Only a
        // process that is still the recorded one is signalled.
        for id in ids { if let pilot = LocalPilotID(id), pilot.isAlive { kill(pilot.pid, SIGTERM) } }
    }

    /// Reaps the pilots as they exit; those still running after `grace` are
    /// killed (SIGKILL to their process group). Returns those killed.
    func waitForExit(_ ids: [String], within grace: TimeSpan) async -> [String] {
        let deadline = ContinuousClock.now + grace.duration
        var running = ids.compactMap { LocalPilotID($0) }
        while !running.isEmpty && ContinuousClock.now < deadline {
            running = running.filter { pilot in
                var status: Int32 = 0
                let reaped = waitpid(pilot.pid, &status, WNOHANG)
                return reaped == 0 || (reaped < 0 && pilot.isAlive)
            }
            if !running.isEmpty { try? await Task.sleep(for: .milliseconds(100)) }
        }
        running = running.filter(\.isAlive)
        for pilot in running { kill(-pilot.pid, SIGKILL) }
        return running.map(\.description)
    }

    static let withheld: Set<String> = ["PANDA_TOKEN", "PANDA_PILOT_TOKEN", "PANDA_FACTORY_TOKEN", "NOTIFY_SOCKET", "PANDA_PARENT_PID"]
}

/// A local pilot's batch id: its pid and its start time in clock ticks after
/// boot, `4242:1234567`. Two processes never share both.
struct LocalPilotID: Sendable, Equatable, CustomStringConvertible {
    let pid: pid_t
    let startTime: UInt64

    init(pid: pid_t, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let pid = pid_t(parts[0]), pid > 0, let start = UInt64(parts[1]) else { return nil }
        self.init(pid: pid, startTime: start)
    }

    var description: String { "\(pid):\(startTime)" }

    /// Running, and the same process that was recorded.
    var isAlive: Bool {
        guard let stat = ProcessStat(pid: pid) else { return false }
        return stat.isRunning && stat.startTime == startTime
    }
}
