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
    private let children = Children()

    func submit(_ launches: [PilotLaunch], queue: QueueConfig) async throws(BatchError) -> [String] {
        var ids: [String] = []
        for launch in launches {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: launch.command[0])
            process.arguments = Array(launch.command.dropFirst())
            process.currentDirectoryURL = URL(fileURLWithPath: launch.directory)
            // The factory's environment, without its credentials or its systemd sockets.
            var environment = ProcessInfo.processInfo.environment.filter { !Self.withheld.contains($0.key) && !$0.key.hasPrefix("WATCHDOG_") }
            environment.merge(launch.environment) { $1 }
            process.environment = environment
            do {
                FileManager.default.createFile(atPath: launch.stdout, contents: nil)
                FileManager.default.createFile(atPath: launch.stderr, contents: nil)
                process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: launch.stdout))
                process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: launch.stderr))
                process.standardInput = FileHandle.nullDevice
                try process.run()
            } catch {
                throw BatchError.commandFailed(command: launch.command.joined(separator: " "), detail: "cannot start: \(error)")
            }
            let id = String(process.processIdentifier)
            children.add(id, process)
            ids.append(id)
        }
        return ids
    }

    func status(of ids: [String]) async throws(BatchError) -> [String: PilotBatchState] {
        var states: [String: PilotBatchState] = [:]
        for id in ids {
            if let process = children.process(id) {
                if process.isRunning {
                    states[id] = .running
                } else {
                    let signalled = process.terminationReason == .uncaughtSignal
                    states[id] = signalled ? .failed(reason: "killed by signal \(process.terminationStatus)")
                                           : .done(exit: Int(process.terminationStatus))
                    children.remove(id)
                }
            } else if let pid = pid_t(id), Self.isAlive(pid) {
                // Started by an earlier run of the factory.
                states[id] = .running
            }
        }
        return states
    }

    func cancel(_ ids: [String]) async throws(BatchError) {
        // SIGTERM: the pilot stops its payload, reports, and exits.
        for id in ids { if let pid = pid_t(id) { kill(pid, SIGTERM) } }
    }

    static let withheld: Set<String> = ["PANDA_TOKEN", "PANDA_PILOT_TOKEN", "PANDA_FACTORY_TOKEN", "NOTIFY_SOCKET"]

    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = SmallFile.text("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    /// The pilots this factory process started.
    private final class Children: @unchecked Sendable {
        // Process is not Sendable; every access goes through this lock.
        private let lock = NSLock()
        private var table: [String: Process] = [:]
        func add(_ id: String, _ process: Process) { lock.withLock { table[id] = process } }
        func process(_ id: String) -> Process? { lock.withLock { table[id] } }
        func remove(_ id: String) { lock.withLock { _ = table.removeValue(forKey: id) } }
    }
}
