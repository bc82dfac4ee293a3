import Foundation
import PandaCore
import Testing
@testable import PandaStore

/// A keyed claim keeps its key on the jobs it took; only a retry looks it up.
@Suite("store: keyed claims")
struct ClaimKeyTests {
    let now = 1_000_000.0
    static let quick = SweepTimeouts(sent: .seconds(10), heartbeat: .hours(1), holding: .hours(1))

    static func key(_ key: String, caller: String = "pilot@f", retry: Bool = false) -> RequestKey {
        RequestKey(caller: caller, key: key, route: RequestKey.claimRoute, isRetry: retry)
    }

    func rows(_ fixture: StoreFixture, _ sql: String) async throws -> Int {
        try await fixture.count(sql)
    }

    @Test("a retried claim gets the first try's jobs, attempts and leases and takes no new job; the first try wrote no key row", arguments: StoreBackend.all)
    func retryReplays(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit((1...4).map { StoreFixture.job("j\($0)") }, now: now)
        let first = try await fixture.store.claim(StoreFixture.pilot(limit: 2), key: Self.key("c1"), now: now)
        #expect(first.count == 2)
        #expect(try await rows(fixture, "SELECT count(*) FROM request_keys") == 0, "a claim's key is on its job rows, not in a row of its own")
        #expect(try await rows(fixture, "SELECT count(*) FROM jobs WHERE claim_key IS NOT NULL") == 2)

        let again = try await fixture.store.claim(StoreFixture.pilot(limit: 2), key: Self.key("c1", retry: true), now: now + 1)
        #expect(again.map(\.id) == first.map(\.id))
        #expect(again.map(\.attempt) == first.map(\.attempt))
        #expect(again.map(\.lease) == first.map(\.lease))
        #expect(again.map(\.specJSON) == first.map(\.specJSON))
        let summary = try await fixture.store.summary()
        #expect(summary.count(queue: "Q", state: .sent) == 2, "the retry took nothing new")
        #expect(summary.count(queue: "Q", state: .activated) == 2)

        let next = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c2", retry: true), now: now + 2)
        #expect(next.count == 1 && !first.map(\.id).contains(next[0].id), "a retry whose first try took nothing claims as a first try")
        await fixture.close()
    }

    @Test("a first try looks no key up: the same key without the retry mark takes new jobs", arguments: StoreBackend.all)
    func firstTryLooksNothingUp(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job("a"), StoreFixture.job("b")], now: now)
        let first = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1"), now: now)
        let unmarked = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1"), now: now + 1)
        #expect(unmarked.count == 1 && unmarked[0].id != first[0].id)
        // Both now carry the key; a retry gets both, each at its own lease.
        let retry = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1", retry: true), now: now + 2)
        #expect(Set(retry.map(\.lease)) == Set((first + unmarked).map(\.lease)))
        await fixture.close()
    }

    @Test("one caller's key never finds another caller's jobs", arguments: StoreBackend.all)
    func keysAreTheCallers(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job("a"), StoreFixture.job("b")], now: now)
        let alices = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1", caller: "alice-pilot"), now: now)
        let bobs = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1", caller: "bob-pilot", retry: true), now: now + 1)
        #expect(bobs.count == 1 && bobs[0].id != alices[0].id && bobs[0].lease != alices[0].lease)
        let none = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1", caller: "carol-pilot", retry: true), now: now + 2)
        #expect(none.isEmpty, "nothing left to claim, and alice's and bob's jobs are not carol's")
        await fixture.close()
    }

    @Test("a retry never replays an attempt that left sent: the sent timeout's next attempt is claimed anew", arguments: StoreBackend.all)
    func retryAfterTheSentTimeout(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job("a")], now: now)
        let first = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1"), now: now)
        _ = try await fixture.store.sweep(Self.quick, now: now + 100)
        let afterSweep = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1", retry: true), now: now + 101)
        #expect(afterSweep.count == 1)
        #expect(afterSweep[0].id == first[0].id && afterSweep[0].attempt == first[0].attempt + 1 && afterSweep[0].lease != first[0].lease,
                "the failed attempt is not replayed; its next attempt is a new claim with a new lease")
        #expect(try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1", retry: true), now: now + 102).map(\.lease)
                == afterSweep.map(\.lease), "and a retry of that claim gets attempt 2 again")
        await fixture.close()
    }

    @Test("a job asked to die before its pilot got the answer is handed back on the retry, so its pilot hears the kill; once cancelled, never", arguments: StoreBackend.all)
    func retryOfAKilledJob(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job("a")], now: now)
        let first = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1"), now: now)
        _ = try await fixture.store.kill([first[0].id], owner: nil, now: now + 1)
        let again = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1", retry: true), now: now + 2)
        #expect(again.map(\.lease) == first.map(\.lease))
        _ = try await fixture.store.sweep(Self.quick, now: now + 100)
        #expect(try await fixture.store.summary().count(queue: "Q", state: .cancelled) == 1)
        let afterCancel = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1", retry: true), now: now + 101)
        #expect(afterCancel.isEmpty)
        await fixture.close()
    }

    @Test("an unkeyed claim clears the key an earlier attempt left on the row", arguments: StoreBackend.all)
    func unkeyedClaimClearsTheKey(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job("a")], now: now)
        let first = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1"), now: now)
        _ = try await fixture.store.sweep(Self.quick, now: now + 100)
        let second = try await fixture.store.claim(StoreFixture.pilot(), key: nil, now: now + 101)
        #expect(second.count == 1 && second[0].id == first[0].id && second[0].attempt == 2)
        let retry = try await fixture.store.claim(StoreFixture.pilot(), key: Self.key("c1", retry: true), now: now + 102)
        #expect(retry.isEmpty, "attempt 2 was claimed without a key: the old key does not find it")
        await fixture.close()
    }
}
