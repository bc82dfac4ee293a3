import PandaConfig
import PandaCore

/// What the factory asks of a batch system. One type per system, each in its
/// own file beside this one (Harvester's submitter/monitor/sweeper in one).
///
/// ```swift
/// try await adapter.submit(launches, queue: queue) { index, id in ledger.adopt(launches[index].name, id) }
/// let states = try await adapter.status(of: ids)   // ids it no longer knows are absent
/// let found = try await adapter.find(names)        // pilots submitted by a factory that died before recording them
/// try await adapter.cancel(ids)
/// ```
protocol BatchAdapter: Sendable {
    var system: BatchSystem { get }
    /// Submits one batch job per launch. Each id is handed to `submitted`
    /// (with the launch's index) as soon as the batch system returns it,
    /// before the next submission, so a failure part-way loses none.
    func submit(_ launches: [PilotLaunch], queue: QueueConfig, submitted: (Int, String) -> Void) async throws(BatchError)
    /// The state of each id the batch system still knows.
    func status(of ids: [String]) async throws(BatchError) -> [String: PilotBatchState]
    /// The ids of the batch jobs that carry these pilot names (job name,
    /// `+PandaPilot`, `--pilot-id`): for pilots whose submission a factory
    /// started and did not live to record.
    func find(_ names: [String]) async throws(BatchError) -> [String: String]
    func cancel(_ ids: [String]) async throws(BatchError)
}

/// One pilot to start: its command line and where its output goes.
struct PilotLaunch: Sendable, Equatable {
    /// Unique per pilot; the batch job's name, and the pilot's `--pilot-id`.
    let name: String
    /// The pilot's command line; `PilotScript.tokenFile` stands for the token
    /// file the batch script writes on the worker node.
    let command: [String]
    let environment: [String: String]
    /// The directory on the factory host with its script and token (and its
    /// output where the batch system brings it back).
    let directory: String
    let stdout: String
    let stderr: String
    let walltime: TimeSpan
    let cores: Int
    let memory: ByteCount
    /// The pilot's own token, carried inside its batch script.
    var token: String = ""
}

/// A pilot's state as its batch system reports it.
enum PilotBatchState: Sendable, Equatable {
    case queued
    case running
    /// Ended by itself with this exit code (0: the pilot finished its work).
    case done(exit: Int)
    /// Ended otherwise, or with a failure the batch system names: the reason
    /// an operator reads ("killed by signal 9", "its node failed (NODE_FAIL)"),
    /// and the exit code when there is one.
    case failed(reason: String, exit: Int? = nil)
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
