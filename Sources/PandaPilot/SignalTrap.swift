@preconcurrency import Dispatch
import Foundation
import PandaCore
import Synchronization

/// The batch system's signals — SIGTERM, SIGINT, SIGUSR1, SIGXCPU — caught
/// rather than fatal: the first one stops the running payload with the
/// signal's PanDA code (1201+), and the pilot then reports and exits.
///
/// ```swift
/// let trap = SignalTrap { code in control?.stop(JobFailure(code, "...")) }
/// if trap.received != nil { exit }
/// ```
final class SignalTrap: @unchecked Sendable {
    static let signals: [Int32] = [SIGTERM, SIGINT, SIGUSR1, SIGXCPU]
    // Written once in init, then only kept alive: safe to share.
    private let sources: [any DispatchSourceSignal]
    private let state = Mutex<(signal: Int32?, control: JobControl?)>((nil, nil))

    init() {
        var sources: [any DispatchSourceSignal] = []
        for signal in Self.signals {
            // Ignored at the process level so only the dispatch source sees it.
            Foundation.signal(signal, SIG_IGN)
            sources.append(DispatchSource.makeSignalSource(signal: signal, queue: .global()))
        }
        self.sources = sources
        for (source, signal) in zip(sources, Self.signals) {
            source.setEventHandler { [weak self] in self?.deliver(signal) }
            source.resume()
        }
    }

    private func deliver(_ signal: Int32) {
        let control = state.withLock { state -> JobControl? in
            if state.signal == nil { state.signal = signal }
            return state.control
        }
        let code = ErrorCode.forSignal(signal)
        control?.stop(JobFailure(code, "the pilot received \(String(cString: strsignal(signal))) (signal \(signal)) from the batch system"))
    }

    /// The job whose payload a signal should stop.
    func guardJob(_ control: JobControl?) {
        let pending = state.withLock { state -> Int32? in
            state.control = control
            return state.signal
        }
        if let pending, let control {
            control.stop(JobFailure(ErrorCode.forSignal(pending), "the pilot received signal \(pending) from the batch system"))
        }
    }

    var received: Int32? { state.withLock { $0.signal } }

    /// Sleeps up to `span`, waking early when a signal arrives.
    func sleep(_ span: TimeSpan) async {
        let end = ContinuousClock.now + span.duration
        while received == nil && ContinuousClock.now < end {
            try? await Task.sleep(for: min(.milliseconds(100), end - ContinuousClock.now))
        }
    }
}
