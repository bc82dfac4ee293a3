import Foundation
import Synchronization

/// What the test pilots saw: every attempt handed to them (with its lease),
/// every final report a server acknowledged, every submission it
/// acknowledged. The exactly-once checks read only this record and the
/// servers' answers, never the database, so they judge what a pilot sees.
///
/// ```swift
/// ledger.claimed(job: 7, attempt: 1, lease: "ab12", by: 3)
/// #expect(ledger.doubleDispatches().isEmpty)
/// ```
final class ClaimLedger: Sendable {
    struct Claim: Hashable, Sendable {
        let job: Int64
        let attempt: Int
        let lease: String
        let pilot: Int
    }

    private struct State {
        var claims: [Claim] = []
        var finals: [Int64: Set<Int>] = [:]
        var submitted: [Int64] = []
    }

    private let state = Mutex(State())

    func claimed(job: Int64, attempt: Int, lease: String, by pilot: Int) {
        state.withLock { $0.claims.append(Claim(job: job, attempt: attempt, lease: lease, pilot: pilot)) }
    }

    /// A final report the server answered with success.
    func finished(job: Int64, attempt: Int) {
        _ = state.withLock { $0.finals[job, default: []].insert(attempt) }
    }

    func submitted(_ ids: [Int64]) {
        state.withLock { $0.submitted += ids }
    }

    var claimCount: Int { state.withLock { $0.claims.count } }
    var finishedCount: Int { state.withLock { $0.finals.count } }
    var submittedIDs: [Int64] { state.withLock { $0.submitted } }
    var finals: [Int64: Set<Int>] { state.withLock { $0.finals } }

    /// Attempts handed out more than once: the same (job, attempt) under two
    /// leases, or to two pilots. Exactly-once dispatch means this is empty.
    func doubleDispatches() -> [(job: Int64, attempt: Int, claims: [Claim])] {
        let claims = state.withLock { $0.claims }
        return Dictionary(grouping: claims) { "\($0.job)/\($0.attempt)" }.values
            .filter { $0.count > 1 }
            .map { (job: $0[0].job, attempt: $0[0].attempt, claims: $0) }
            .sorted { ($0.job, $0.attempt) < ($1.job, $1.attempt) }
    }

    /// Jobs whose final state was acknowledged for two different attempts:
    /// a job finished once cannot finish again.
    func finishedTwice() -> [Int64] {
        state.withLock { $0.finals.filter { $0.value.count > 1 }.map(\.key).sorted() }
    }
}
