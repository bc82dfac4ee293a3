import Foundation
import PandaConfig
import PandaCore
import PandaStore
import Synchronization

/// The server's memory of pilots that asked for work and found their queue's
/// activated jobs too big: the latest such offer per queue (queues come from
/// the configuration, so the book is bounded), for `panda show` of a job that
/// waits. In memory: it describes the last minutes, not history, and each
/// server of a shared database knows the pilots that asked it.
///
/// ```swift
/// let why = try await context.explainEmptyClaim(request, queue: queue)   // on an empty claim only
/// context.unmatchedBook.waiting(for: description, queue: queue, reports: reports, now: now)
/// ```
final class UnmatchedBook: Sendable {
    struct Entry: Sendable {
        let at: Double
        let why: UnmatchedJobs
        let pilot: String?
        let node: String
    }

    private let latest = Mutex<[String: Entry]>([:])

    func record(_ why: UnmatchedJobs, pilot: String?, node: String, at now: Double) {
        latest.withLock { $0[why.queue] = Entry(at: now, why: why, pilot: pilot, node: node) }
    }

    func entry(queue: String) -> Entry? { latest.withLock { $0[queue] } }

    /// A job waits `activated` for this long before `panda show` explains it.
    static let waitingAfter = 60.0

    /// Why pilots did not take an activated job, or nil for other jobs.
    func waiting(for job: JobDescription, queue: QueueConfig, reports: [PilotReport], now: Double) -> String? {
        guard job.status.state == .activated else { return nil }
        let since = job.status.stateChangedAt
        let needs: [(UnmatchedJobs.Resource, Int64)] = [
            (.cores, Int64(job.spec.resources.cores)),
            (.memory, (job.spec.resources.memory ?? queue.maxrss).bytes),
            (.disk, (job.spec.resources.disk ?? queue.maxwdir).bytes),
            (.walltime, (job.spec.resources.walltime ?? queue.longestJob).milliseconds / 1000),
        ]
        if let entry = entry(queue: queue.name), entry.at >= since {
            let offer = entry.why.offer
            let offered: [UnmatchedJobs.Resource: Int64] = [
                .cores: Int64(offer.cores), .memory: offer.memory.bytes, .disk: offer.disk.bytes, .walltime: offer.remaining.milliseconds / 1000,
            ]
            let short = needs.filter { $0.1 > offered[$0.0, default: 0] }
            if !short.isEmpty {
                let who = "the last pilot of \(queue.name) to ask" + (entry.pilot.map { " (\($0) on \(entry.node)" } ?? " (on \(entry.node)")
                    + ", \(Self.ago(now - entry.at)) ago)"
                return "pilots did not take it: it needs "
                    + short.map { UnmatchedJobs.amount($0.0, $0.1) }.joined(separator: ", ")
                    + "; \(who) had " + short.map { entry.why.offered($0.0) }.joined(separator: ", ")
            }
        }
        // Without a pilot that found it too big, only a long wait is worth a word.
        guard now - since >= Self.waitingAfter else { return nil }
        let pilots = reports.flatMap(\.queues).filter { $0.queue == queue.name }
        let count = pilots.isEmpty ? "no factory reports pilots for \(queue.name)"
            : "factories report \(pilots.reduce(0) { $0 + $1.running }) running and \(pilots.reduce(0) { $0 + $1.queued }) queued pilots for \(queue.name)"
        return "activated \(Self.ago(now - since)) ago and no pilot has found it too big for itself: pilots of \(queue.name) are busy "
            + "or not asking (\(count))"
    }

    static func ago(_ seconds: Double) -> String {
        TimeSpan.seconds(Int64(max(0, seconds))).description
    }
}

extension ServerContext {
    /// After an empty claim: why, when the queue has activated jobs that the
    /// pilot is too small for — counted per queue and resource in /metrics
    /// and kept for `panda show`. Nil otherwise.
    func explainEmptyClaim(_ request: ClaimRequest, at now: Double) async -> UnmatchedJobs? {
        guard let why = try? await store.unmatched(request) else { return nil }
        metrics.countUnmatched(queue: request.queue, resources: why.resources)
        unmatchedBook.record(why, pilot: request.pilot, node: request.node, at: now)
        return why
    }
}
