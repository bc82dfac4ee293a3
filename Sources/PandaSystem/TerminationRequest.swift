import Dispatch
import Foundation
import Synchronization

/// SIGTERM and SIGINT caught rather than fatal, so a role can finish what it
/// is doing and stop in order: the signals are ignored at the process level
/// and seen through dispatch sources.
///
/// ```swift
/// let termination = TerminationRequest()
/// while !termination.requested { ... }
/// ```
public final class TerminationRequest: @unchecked Sendable {
    // Written once in init, then only kept alive.
    private let sources: [any DispatchSourceSignal]
    private let flag = Atomic<Bool>(false)

    public init(signals: [Int32] = [SIGTERM, SIGINT]) {
        var sources: [any DispatchSourceSignal] = []
        for signal in signals {
            Foundation.signal(signal, SIG_IGN)
            sources.append(DispatchSource.makeSignalSource(signal: signal, queue: .global()))
        }
        self.sources = sources
        for source in sources {
            source.setEventHandler { [weak self] in self?.flag.store(true, ordering: .relaxed) }
            source.resume()
        }
    }

    public var requested: Bool { flag.load(ordering: .relaxed) }
}
