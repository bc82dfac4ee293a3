import Foundation
import Logging
import PandaCore
import Synchronization

/// Harvester-like back-off for queues whose pilots fail quickly: when the
/// pilots that ended in a cycle include failures within `fastFailure` of
/// their start and no success, the queue gets no new pilots for a while,
/// 1 minute doubling to 32 minutes while it goes on; one pilot that
/// finishes ends it. Logged once per change, shown in STATUS= and reported
/// to the server (its /metrics has `panda_factory_backoff_seconds`). Kept in
/// memory: a restarted factory tries the queue once more.
///
/// ```swift
/// backoff.observe(queue: "SQ", ended: records, now: now, logger: logger)
/// if backoff.holds(queue: "SQ", now: now) != nil { /* submit nothing */ }
/// ```
final class QueueBackoff: Sendable {
    struct Hold: Sendable, Equatable {
        var level: Int
        var until: Double
        var reason: String
    }

    /// A failure this soon after the pilot started (or was submitted) is "quick".
    static let fastFailure = 300.0
    static let firstDelay = 60.0
    static let longestDelay = 32 * 60.0

    private let holds = Mutex<[String: Hold]>([:])

    /// The hold on a queue while it lasts.
    func holds(queue: String, now: Double) -> Hold? {
        holds.withLock { $0[queue] }.flatMap { $0.until > now ? $0 : nil }
    }

    /// Learns from the pilots of `queue` that ended this cycle (before → after).
    func observe(queue: String, ended: [(before: PilotRecord, after: PilotRecord)], now: Double, logger: Logger) {
        var quick: [PilotRecord] = []
        var succeeded = 0
        for (before, after) in ended where before.state.isActive || before.state == .submitting {
            if after.state == .finished { succeeded += 1 }
            if after.state == .failed, let ended = after.endedAt, ended - (after.startedAt ?? after.submittedAt) < Self.fastFailure,
               !PilotTransitions.isVanished(after) {
                quick.append(after)
            }
        }
        let message: String? = holds.withLock { table in
            let current = table[queue]
            if succeeded > 0 {
                guard current != nil else { return nil }
                table[queue] = nil
                return "queue \(queue): a pilot finished; back-off over, pilots are submitted again"
            }
            guard !quick.isEmpty else { return nil }
            let level = min((current?.level ?? 0) + 1, 6)
            let delay = min(Self.longestDelay, Self.firstDelay * pow(2, Double(level - 1)))
            let reasons = Set(quick.compactMap(\.reason)).sorted().prefix(3).joined(separator: "; ")
            let reason = "\(quick.count) pilot\(quick.count == 1 ? "" : "s") failed within \(TimeSpan.seconds(Int64(Self.fastFailure))) "
                + "of starting (\(reasons))"
            table[queue] = Hold(level: level, until: now + delay, reason: reason)
            guard current?.level != level else { return nil }
            return "queue \(queue): backing off for \(TimeSpan.seconds(Int64(delay))), no new pilots: \(reason)"
        }
        if let message { logger.warning("\(message)", metadata: ["queue": "\(queue)"]) }
    }
}
