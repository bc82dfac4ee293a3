import Foundation
import PandaCore
import Testing
@testable import PandaStore

@Suite("store: queue statuses set by operators")
struct QueueStatusStoreTests {
    @Test("a status set is listed by queue, replaced by the next one, and read by another store on the same database",
          arguments: StoreBackend.all)
    func statuses(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        #expect(try await fixture.store.queueStatusSettings() == [])
        try await fixture.store.setQueueStatus(QueueStatusSetting(queue: "Q2", status: .brokeroff, setBy: "ops", setAt: 100))
        try await fixture.store.setQueueStatus(QueueStatusSetting(queue: "Q1", status: .offline, setBy: "ops", setAt: 101.5))
        try await fixture.store.setQueueStatus(QueueStatusSetting(queue: "Q2", status: .online, setBy: "admin2", setAt: 102))
        let expected = [
            QueueStatusSetting(queue: "Q1", status: .offline, setBy: "ops", setAt: 101.5),
            QueueStatusSetting(queue: "Q2", status: .online, setBy: "admin2", setAt: 102),
        ]
        #expect(try await fixture.store.queueStatusSettings() == expected)
        // What a second server, or this one after a restart, reads.
        let other = try await fixture.second()
        #expect(try await other.queueStatusSettings() == expected)
        await fixture.close()
    }
}
