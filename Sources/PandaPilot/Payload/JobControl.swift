import PandaCore
import Synchronization

/// Who stopped the running payload and why: the first reason wins, whether
/// it comes from a watch, the server's kill command or a signal to the pilot.
///
/// ```swift
/// control.stop(JobFailure(ErrorCode.killedByServer, "kill command"))
/// control.reason   // what the final report will say
/// ```
final class JobControl: Sendable {
    private let state = Mutex<(payload: PayloadProcess?, reason: JobFailure?, leaseLost: Bool, step: (@Sendable () -> Void)?)>(
        (nil, nil, false, nil))
    let killGrace: TimeSpan

    init(killGrace: TimeSpan) {
        self.killGrace = killGrace
    }

    func attach(_ payload: PayloadProcess?) {
        let pending = state.withLock { state -> Bool in
            state.payload = payload
            return state.reason != nil
        }
        // A signal that came during stage-in stops the payload as soon as it exists.
        if pending { payload?.terminate(grace: killGrace) }
    }

    func stop(_ reason: JobFailure) {
        let (payload, step) = state.withLock { state -> (PayloadProcess?, (@Sendable () -> Void)?) in
            guard state.reason == nil else { return (nil, nil) }
            state.reason = reason
            return (state.payload, state.step)
        }
        payload?.terminate(grace: killGrace)
        step?()
    }

    /// Runs a step without a payload (stage-in, stage-out) so that a stop
    /// during it cancels it: a transfer in flight is aborted within about a
    /// second instead of running to its end after a kill.
    func cancellable<T: Sendable>(_ body: @escaping @Sendable () async throws(JobFailure) -> T) async throws(JobFailure) -> T {
        let task = Task { () async -> Result<T, JobFailure> in
            do throws(JobFailure) { return .success(try await body()) } catch { return .failure(error) }
        }
        // Only a stop that comes during the step cancels it: a job stopped
        // earlier still sends its log.
        state.withLock { $0.step = { task.cancel() } }
        let result = await task.value
        state.withLock { $0.step = nil }
        return try result.get()
    }

    /// The server gave the job to someone else (or ended it): stop without
    /// a final report, which it would refuse.
    func loseLease(_ why: String) {
        state.withLock { $0.leaseLost = true }
        stop(JobFailure(ErrorCode.killedByServer, why))
    }

    var reason: JobFailure? { state.withLock { $0.reason } }
    var leaseLost: Bool { state.withLock { $0.leaseLost } }
    var isStopped: Bool { reason != nil }
}
