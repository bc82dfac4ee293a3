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
    private let state = Mutex<(payload: PayloadProcess?, reason: JobFailure?, leaseLost: Bool)>((nil, nil, false))
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
        let payload = state.withLock { state -> PayloadProcess? in
            guard state.reason == nil else { return nil }
            state.reason = reason
            return state.payload
        }
        payload?.terminate(grace: killGrace)
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
