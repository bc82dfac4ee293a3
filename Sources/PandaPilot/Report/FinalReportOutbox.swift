import Foundation
import PandaClient
import PandaCore
import PandaSystem

/// Final reports on their way to the server, kept on disk until it has
/// them: written before the first try, removed once the server answered
/// (accepted, or refused for good). A server that is away when a job ends
/// gets the report later — from this pilot before it exits, or from the
/// next pilot of the queue on this node — so a finished job never becomes
/// "lost heartbeat" because of a server restart.
///
/// ```swift
/// let outbox = FinalReportOutbox(directory: state + "/outbox/LOCAL", client: reporter, log: log)
/// await outbox.deliver(update, summary: "")   // after a job
/// await outbox.deliverPending()               // at start, between jobs
/// await outbox.drain(until: slotEnd, trap: trap)
/// ```
struct FinalReportOutbox {
    let directory: String
    let client: PandaClient
    let log: PilotLog
    /// Reports bigger than this are not ours (the outputs list is bounded by the server).
    static let largestReport = 16 << 20

    enum Delivery { case delivered, refused, postponed }

    /// Keeps the report, then tries to deliver it once. It is written
    /// before the try, so a pilot killed meanwhile leaves it to the next
    /// one; it is synced to disk only when that try fails: a report that
    /// must wait has to outlive a crash of the node too, while one that is
    /// being delivered does not need the fsync (a node that crashes during
    /// the try loses the job as it would a moment earlier, to the server's
    /// lost-heartbeat retry). The fsync was most of a trivial job's cost.
    func deliver(_ update: JobUpdate, summary: String) async {
        let path = directory + "/\(update.jobID).\(update.attempt).json"
        var kept = true
        do {
            try PrivateDirectory.write(try JSONEncoder().encode(update), to: path, synced: false)
        } catch {
            kept = false
            log.info("job \(update.jobID): the final report could not be kept on disk (\(error)); sending it anyway")
        }
        if await send(update, summary: summary) != .postponed {
            unlink(path)
        } else if kept && !PrivateDirectory.sync(path) {
            log.info("job \(update.jobID): the final report kept in \(directory) could not be synced to disk")
        }
    }

    /// Delivers every report kept here; returns how many are still waiting.
    @discardableResult
    func deliverPending() async -> Int {
        var waiting = 0
        for (path, update) in pending() {
            if await send(update, summary: " (kept since the server was away)") == .postponed {
                waiting += 1
            } else {
                unlink(path)
            }
        }
        return waiting
    }

    /// Before the pilot exits: tries again with back-off (5 s doubling to
    /// 5 min) until every report is delivered, `deadline` passes, or a signal comes.
    func drain(until deadline: ContinuousClock.Instant, trap: SignalTrap) async {
        var wait = TimeSpan.seconds(5)
        while await deliverPending() > 0 {
            let left = deadline - ContinuousClock.now
            guard left > .zero, trap.received == nil else {
                log.info("final reports left in \(directory) for the next pilot of the queue on this node")
                return
            }
            await trap.sleep(TimeSpan(milliseconds: min(wait.milliseconds, Int64(left.seconds * 1000))))
            wait = TimeSpan(milliseconds: min(wait.milliseconds * 2, TimeSpan.minutes(5).milliseconds))
        }
    }

    private func send(_ update: JobUpdate, summary: String) async -> Delivery {
        do {
            let reply = try await client.update(update)
            log.info("job \(update.jobID) reported \(update.state.rawValue)\(summary); server: \(reply.state.rawValue)")
            return .delivered
        } catch .refused(let status, let message) {
            log.info("job \(update.jobID) final report refused (\(status)): \(message)")
            return .refused
        } catch {
            log.info("job \(update.jobID) final report not delivered: \(error); kept in \(directory)")
            return .postponed
        }
    }

    /// The kept reports: regular files of this user, oldest job first.
    private func pending() -> [(String, JobUpdate)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var found: [(String, JobUpdate)] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = directory + "/" + name
            guard PrivateDirectory.isOwned(path, type: S_IFREG) else {
                log.info("ignoring \(path): not a regular file of the pilot's user")
                continue
            }
            guard let bytes = SmallFile.read(path, limit: Self.largestReport),
                  let update = try? JSONDecoder().decode(JobUpdate.self, from: Data(bytes)), update.state.isFinal || update.state == .holding,
                  name == "\(update.jobID).\(update.attempt).json" else {
                log.info("ignoring \(path): not a final report")
                continue
            }
            found.append((path, update))
        }
        return found
    }
}
