import PandaConfig
import PandaCore

/// What the factory asks of a batch system. One type per system, each in its
/// own file beside this one (Harvester's submitter/monitor/sweeper in one).
///
/// ```swift
/// let ids = try await adapter.submit(launches, queue: queue)
/// let states = try await adapter.status(of: ids)   // ids it no longer knows are absent
/// try await adapter.cancel(ids)
/// ```
protocol BatchAdapter: Sendable {
    var system: BatchSystem { get }
    /// Submits one batch job per launch; the ids, in order.
    func submit(_ launches: [PilotLaunch], queue: QueueConfig) async throws(BatchError) -> [String]
    /// The state of each id the batch system still knows.
    func status(of ids: [String]) async throws(BatchError) -> [String: PilotBatchState]
    func cancel(_ ids: [String]) async throws(BatchError)
}

/// One pilot to start: its command line and where its output goes.
struct PilotLaunch: Sendable, Equatable {
    /// Unique per pilot; the batch job's name.
    let name: String
    let command: [String]
    let environment: [String: String]
    /// The directory the pilot starts in (its default work area).
    let directory: String
    let stdout: String
    let stderr: String
    let walltime: TimeSpan
    let cores: Int
    let memory: ByteCount
}

/// A pilot's state as its batch system reports it.
enum PilotBatchState: Sendable, Equatable {
    case queued
    case running
    /// Ended; the exit code when the batch system says.
    case done(exit: Int?)
    /// Ended without running to its end: cancelled, timed out, node failure.
    case failed(reason: String)
    /// Waiting on something other than resources (HTCondor hold, suspension).
    case held(reason: String)
    /// Answered, but in a state panda does not know.
    case unknown(String)

    var isEnded: Bool {
        switch self {
        case .done, .failed: return true
        default: return false
        }
    }
}

/// Why a batch command did not do its job.
enum BatchError: Error, Sendable, CustomStringConvertible {
    case commandFailed(command: String, detail: String)
    case timedOut(command: String, after: TimeSpan)
    /// The command answered in a form the adapter cannot read.
    case unreadable(command: String, detail: String)

    var description: String {
        switch self {
        case .commandFailed(let command, let detail): return "\(command): \(detail)"
        case .timedOut(let command, let after): return "\(command): no answer within \(after)"
        case .unreadable(let command, let detail): return "\(command): cannot read its output: \(detail)"
        }
    }
}

/// Shell quoting for batch scripts: single quotes, with embedded ones escaped.
func shellQuoted(_ word: String) -> String {
    "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}

/// The body of a batch script that runs a pilot: environment, directory, exec.
func pilotScript(_ launch: PilotLaunch, directives: [String]) -> String {
    var lines = ["#!/bin/sh"] + directives
    for (key, value) in launch.environment.sorted(by: { $0.key < $1.key }) {
        lines.append("export \(key)=\(shellQuoted(value))")
    }
    lines.append("cd \(shellQuoted(launch.directory)) || exit 1")
    lines.append("exec " + launch.command.map(shellQuoted).joined(separator: " "))
    return lines.joined(separator: "\n") + "\n"
}
