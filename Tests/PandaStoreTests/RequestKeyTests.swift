import Foundation
import PandaCore
import Testing
@testable import PandaStore

/// Keyed writes are applied once per key, for the key's lifetime.
@Suite("store: idempotency keys")
struct RequestKeyTests {
    let now = 1_000_000.0
    let timeouts = SweepTimeouts(sent: .hours(1), heartbeat: .hours(1), holding: .hours(1))

    @Test("a keyed submission sent again stores nothing and returns the first jobs, until the key expires", arguments: StoreBackend.all)
    func submitOnce(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let key = RequestKey(caller: "alice", key: "k1", route: "job/submit")
        let first = try await fixture.store.submit([StoreFixture.job("a")], key: key, now: now)
        let again = try await fixture.store.submit([StoreFixture.job("a")], key: key, now: now + 5)
        #expect(again == first)
        #expect(try await fixture.store.list(JobFilter()).jobs.count == 1)
        _ = try await fixture.store.sweep(timeouts, now: now + RequestKey.lifetime + 10)
        let later = try await fixture.store.submit([StoreFixture.job("a")], key: key, now: now + RequestKey.lifetime + 20)
        #expect(later != first, "the sweeper forgot the key")
        await fixture.close()
    }

    @Test("a keyed claim sent again returns the same jobs and leases; a new key claims the next job", arguments: StoreBackend.all)
    func claimOnce(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job("a"), StoreFixture.job("b")], now: now)
        let key = RequestKey(caller: "pilot@f", key: "c1", route: "pilot/acquire_jobs")
        let first = try await fixture.store.claim(StoreFixture.pilot(), key: key, now: now)
        let again = try await fixture.store.claim(StoreFixture.pilot(), key: key, now: now + 1)
        #expect(first.map(\.id) == again.map(\.id))
        #expect(first.map(\.lease) == again.map(\.lease))
        #expect(first.map(\.specJSON) == again.map(\.specJSON))
        #expect(try await fixture.store.summary().count(queue: "Q", state: .sent) == 1)
        let next = try await fixture.store.claim(StoreFixture.pilot(), key: RequestKey(caller: "pilot@f", key: "c2", route: "pilot/acquire_jobs"), now: now + 2)
        #expect(next.count == 1 && next[0].id != first[0].id)
        let patient = SweepTimeouts(sent: .hours(48), heartbeat: .hours(48), holding: .hours(48))
        _ = try await fixture.store.sweep(patient, now: now + RequestKey.claimLifetime + 10)
        let forgotten = try await fixture.store.claim(StoreFixture.pilot(), key: key, now: now + RequestKey.claimLifetime + 20)
        #expect(forgotten.isEmpty, "after an hour the key is forgotten: nothing is replayed, and no job is left to claim")
        await fixture.close()
    }

    @Test("a key used for one route is refused for another", arguments: StoreBackend.all)
    func keyForAnotherRoute(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job("a")], key: RequestKey(caller: "alice", key: "k", route: "job/submit"), now: now)
        await #expect(throws: StoreError.self) {
            try await fixture.store.claim(StoreFixture.pilot(), key: RequestKey(caller: "alice", key: "k", route: "pilot/acquire_jobs"), now: now)
        }
        await fixture.close()
    }
}
