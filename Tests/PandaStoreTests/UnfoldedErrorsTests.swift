import Foundation
import PandaCore
import Testing
@testable import PandaStore

extension StatsAndFilterTests {
    @Test("an attempt that failed since the last sample is in the error statistics at once, and counted once after the sample",
          arguments: StoreBackend.all)
    func unfoldedFailures(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = fixture.store
        _ = try await store.submit([StoreFixture.job("a", maxAttempts: 1), StoreFixture.job("b", maxAttempts: 1),
                                    StoreFixture.job("c", queue: "R", maxAttempts: 1, owner: "bob")], now: now)
        try await end(store, node: "n1", failWith: nil, at: now + 10)
        try await store.sampleStats(now: now + 60)
        // After the sample: one failure in Q and one in R, neither folded yet.
        try await end(store, node: "n1", failWith: 1305, at: now + 70)
        try await end(store, queue: "R", node: "n2", failWith: 1150, at: now + 80)

        func check(_ moment: String) async throws {
            let all = try await store.errorStats(ErrorFilter(since: now - 3600, until: now + 3600))
            #expect(all.finished == 1 && all.failed == 2, "\(moment): \(all.finished) finished, \(all.failed) failed")
            #expect(Set(all.errors.map(\.code)) == [1305, 1150], "\(moment)")
            #expect(all.errors.first { $0.code == 1150 }?.owners == [NamedCount(name: "bob", count: 1)], "\(moment)")
            #expect(all.hours.map(\.failed).reduce(0, +) == 2 && all.hours.map(\.finished).reduce(0, +) == 1, "\(moment)")
            let ofQueue = try await store.errorStats(ErrorFilter(since: now - 3600, until: now + 3600, queue: "R"))
            #expect(ofQueue.failed == 1 && ofQueue.errors.map(\.code) == [1150], "\(moment)")
            let ofOwner = try await store.errorStats(ErrorFilter(since: now - 3600, until: now + 3600, owner: "alice"))
            #expect(ofOwner.failed == 1 && ofOwner.finished == 1 && ofOwner.errors.map(\.code) == [1305], "\(moment)")
            // A window that ended before the failures does not count them.
            let before = try await store.errorStats(ErrorFilter(since: now - 7200, until: now - 3600))
            #expect(before.failed == 0, "\(moment)")
        }
        try await check("before the sample folds them")
        #expect(try await store.sampleStats(now: now + 120).endedAttempts == 2)
        try await check("after the sample folded them")
        await fixture.close()
    }
}
