import Foundation
import PandaCore
import Testing
@testable import PandaStore

/// Keyed submissions are applied once per key, for the key's lifetime
/// (keyed claims: ClaimKeyTests).
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

    @Test("a key used for one route is refused for another", arguments: StoreBackend.all)
    func keyForAnotherRoute(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job("a")], key: RequestKey(caller: "alice", key: "k", route: "job/submit"), now: now)
        await #expect(throws: StoreError.self) {
            try await fixture.store.submit([StoreFixture.job("b")], key: RequestKey(caller: "alice", key: "k", route: "other/submit"), now: now)
        }
        await fixture.close()
    }
}
