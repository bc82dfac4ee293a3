import Dispatch
import Foundation
import Synchronization

/// SIGHUP caught as "read the configuration again" rather than fatal. A role
/// that polls in a loop (the factory) calls `take()`, which reports each
/// request once however many signals arrived since; a service (the server)
/// awaits `requests`.
///
/// ```swift
/// let reloads = ReloadRequest()
/// if reloads.take() { settings = reread() }
/// ```
public final class ReloadRequest: @unchecked Sendable {
    // Written once in init, then only kept alive.
    private let source: any DispatchSourceSignal
    private let flag = Atomic<Bool>(false)
    /// Each signal as it arrives, for a role that waits on it (the server);
    /// bursts may coalesce.
    public let requests: AsyncStream<Void>

    public init(signal: Int32 = SIGHUP) {
        Foundation.signal(signal, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
        let (requests, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.requests = requests
        source.setEventHandler { [weak self] in
            self?.flag.store(true, ordering: .relaxed)
            continuation.yield()
        }
        source.resume()
    }

    /// Whether a reload was asked for and not yet taken.
    public var pending: Bool { flag.load(ordering: .relaxed) }

    /// True once per burst of signals: the caller reloads now.
    public func take() -> Bool { flag.exchange(false, ordering: .relaxed) }
}
