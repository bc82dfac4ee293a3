import Foundation
import PandaConfig
import PandaCore
import PandaSystem

/// The embedded default: pilots as child processes on the factory's own
/// host. The factory keeps at most `batch.slots` (default: the host's cores)
/// of a queue's pilots alive. A pilot that outlives a factory restart is
/// found again through /proc.
struct LocalAdapter: BatchAdapter {
    var system: BatchSystem { .local }

    func submit(_ launches: [PilotLaunch], queue: QueueConfig) async throws(BatchError) -> [String] {
        var ids: [String] = []
        // The factory's environment, without its credentials or its systemd sockets.
        var environment = ProcessInfo.processInfo.environment.filter { !Self.withheld.contains($0.key) && !$0.key.hasPrefix("WATCHDOG_") }
        for launch in launches {
            environment.merge(launch.environment) { $1 }
            do {
                let pid = try Spawn.start(launch.command[0], Array(launch.command.dropFirst()), environment: environment,
                                          stdin: "/dev/null", stdout: launch.stdout, stderr: launch.stderr, directory: launch.directory)
                ids.append(String(pid))
            } catch {
                throw BatchError.commandFailed(command: launch.command.joined(separator: " "), detail: "cannot start: \(error.message)")
            }
        }
        return ids
    }

    func status(of ids: [String]) async throws(BatchError) -> [String: PilotBatchState] {
        var states: [String: PilotBatchState] = [:]
        for id in ids {
            guard let pid = pid_t(id) else { continue }
            var status: Int32 = 0
            switch waitpid(pid, &status, WNOHANG) {
            case 0:
                states[id] = .running
            case pid:
                let code = Spawn.exitCode(status)
                states[id] = status & 0x7f != 0 ? .failed(reason: "killed by signal \(status & 0x7f)") : .done(exit: Int(code))
            default:
                // Not our child: started by an earlier run of the factory.
                if ProcessStat.isRunning(pid) { states[id] = .running }
            }
        }
        return states
    }

    func cancel(_ ids: [String]) async throws(BatchError) {
        // SIGTERM: the pilot stops its payload, reports, and exits.
        for id in ids { if let pid = pid_t(id) { kill(pid, SIGTERM) } }
    }

    /// Reaps the pilots as they exit; those still running after `grace` are
    /// killed (SIGKILL to their process group). Returns those killed.
    func waitForExit(_ ids: [String], within grace: TimeSpan) async -> [String] {
        let deadline = ContinuousClock.now + grace.duration
        var running = ids.compactMap { pid_t($0) }
        while !running.isEmpty && ContinuousClock.now < deadline {
            running = running.filter { pid in
                var status: Int32 = 0
                let reaped = waitpid(pid, &status, WNOHANG)
                return reaped == 0 || (reaped < 0 && ProcessStat.isRunning(pid))
            }
            if !running.isEmpty { try? await Task.sleep(for: .milliseconds(100)) }
        }
        for pid in running { kill(-pid, SIGKILL) }
        return running.map(String.init)
    }

    static let withheld: Set<String> = ["PANDA_TOKEN", "PANDA_PILOT_TOKEN", "PANDA_FACTORY_TOKEN", "NOTIFY_SOCKET"]
}
