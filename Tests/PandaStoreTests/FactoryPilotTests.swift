import Foundation
import PandaCore
import Testing
@testable import PandaStore

/// The factories' pilots one by one: each report replaces its factory's
/// records, the list filters by queue, state and pilot id, and the jobs a
/// pilot ran are the attempts that ended under it, as the sampler counts them.
@Suite("store: factory pilot records")
struct FactoryPilotTests {
    let now = 1_700_000_000.0

    func pilot(_ batchID: String, _ name: String, queue: String = "Q", state: String, at: Double) -> FactoryPilot {
        FactoryPilot(batchID: batchID, name: name, queue: queue, batchSystem: .slurm, state: state, submittedAt: at,
                     startedAt: state == "queued" ? nil : at + 5, endedAt: state == "finished" ? at + 50 : nil,
                     exitCode: state == "finished" ? 0 : nil)
    }

    @Test("a report replaces its factory's pilots, the list filters by queue, state and id, newest first, with the jobs each ran", arguments: StoreBackend.all)
    func records(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = fixture.store
        let queues = [QueuePilots(queue: "Q", batchSystem: .slurm, queued: 1, running: 1, held: 0, finished: 1, failed: 0)]
        try await store.recordPilots(PilotReport(factory: "f1", queues: queues, pilots: [
            pilot("100", "pilot-old", state: "finished", at: now - 100),
        ]), now: now)
        try await store.recordPilots(PilotReport(factory: "f1", queues: queues, pilots: [
            pilot("101", "pilot-1", state: "finished", at: now - 30),
            pilot("102", "pilot-2", state: "running", at: now - 20),
            pilot("103", "pilot-3", queue: "R", state: "queued", at: now - 10),
        ]), now: now)
        try await store.recordPilots(PilotReport(factory: "f2", queues: [], pilots: [pilot("7", "other", queue: "S", state: "running", at: now)]), now: now)
        // An older factory's report without a list keeps the records it had.
        try await store.recordPilots(PilotReport(factory: "f2", queues: []), now: now + 1)

        // pilot-1 ran two jobs to their end, pilot-2 has one running.
        _ = try await store.submit((0..<3).map { StoreFixture.job("j\($0)") }, now: now)
        for name in ["pilot-1", "pilot-1", "pilot-2"] {
            let claim = ClaimRequest(queue: "Q", node: "n1", pilot: name, cores: 8, memory: .gigabytes(16), disk: .gigabytes(100),
                                     remaining: .hours(24), limit: 1)
            let job = try #require(try await store.claim(claim, now: now).first)
            _ = try await store.update(JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: .running), now: now + 1)
            if name == "pilot-1" {
                _ = try await store.update(JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: .finished, exitCode: 0),
                                           now: now + 2)
            }
        }
        _ = try await store.sampleStats(now: now + 60)

        let all = try await store.pilots(PilotFilter())
        #expect(all.map(\.batchID) == ["7", "103", "102", "101"])
        #expect(all.first { $0.batchID == "101" }?.jobsRun == 2)
        #expect(all.first { $0.batchID == "102" }?.jobsRun == 0)
        #expect(all.first { $0.batchID == "101" }?.factory == "f1")
        #expect(all.first { $0.batchID == "101" }?.exitCode == 0)
        #expect(try await store.pilots(PilotFilter(queue: "Q")).map(\.batchID) == ["102", "101"])
        #expect(try await store.pilots(PilotFilter(state: "running")).map(\.batchID) == ["7", "102"])
        #expect(try await store.pilots(PilotFilter(queue: "Q", state: "finished")).map(\.batchID) == ["101"])
        #expect(try await store.pilots(PilotFilter(factory: "f2")).map(\.batchID) == ["7"])
        #expect(try await store.pilots(PilotFilter(names: ["pilot-2", "pilot-3", "nobody"])).map(\.batchID) == ["103", "102"])
        #expect(try await store.pilots(PilotFilter(limit: 2)).count == 2)
        // The counts per queue are the latest report's, as before.
        #expect(try await store.pilotReports().first { $0.factory == "f1" }?.queues == queues)
        await fixture.close()
    }
}
