import Synchronization

/// Stops a transfer in flight: StorageAccess sets it when the task awaiting
/// the transfer is cancelled (a killed job), and libcurl's progress callback,
/// called about once a second even when no byte moves, aborts on it.
final class TransferCancel: Sendable {
    private let flag = Mutex(false)

    func cancel() { flag.withLock { $0 = true } }
    var isCancelled: Bool { flag.withLock { $0 } }
}
