import ServiceLifecycle

/// The wait between two rounds of a service's periodic work. Returns false
/// once the service must stop: at a graceful shutdown (SIGTERM), or when the
/// service group cancels it because another service failed, such as the
/// listener finding its port taken. A loop that `try?`s its sleep and checks
/// only for a graceful shutdown never sees the cancellation: the sleep returns
/// at once, and the loop spins at full speed instead of letting the server exit.
///
/// ```swift
/// while await pauseUnlessStopping(interval) { try? await work() }
/// ```
func pauseUnlessStopping(_ interval: Duration) async -> Bool {
    do {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    } catch {
        return false
    }
    return !Task.isCancelled && !Task.isShuttingDownGracefully
}
