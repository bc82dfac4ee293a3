import PostgresNIO   // re-exports NIOCore

/// Runs a task's work on one SwiftNIO event loop: the loop of the connection
/// a batch is committed on. Each statement's answer arrives on that loop,
/// so the batch goes on from there at once, instead of waiting for a thread
/// of Swift's cooperative pool (busy with HTTP requests under load) after
/// every round trip, which was most of a batch's time.
///
/// ```swift
/// try await withTaskExecutorPreference(EventLoopTaskExecutor(connection.eventLoop)) { try await transaction() }
/// ```
/// What runs there must not block: a batch's work between statements is a
/// few microseconds of deciding and encoding.
final class EventLoopTaskExecutor: TaskExecutor {
    private let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
