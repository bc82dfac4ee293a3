import PandaCore
import Testing
import TestSupport
@testable import PandaStore

/// PostgreSQL runs a batch's claims, and its plain reports, in statements
/// they share (`PostgresBatchStart`). A value the database refuses in one of
/// them must not fail the others: the batch runs again with each on its own.
@Suite("store: one refused write in a shared statement fails alone")
struct BatchIsolationTests {
    @Test("a claim PostgreSQL refuses (a NUL in its node) fails alone; the claims beside it get their jobs",
          .enabled(if: PostgresTestServer.isEnabled))
    func refusedClaimFailsAlone() async throws {
        let fixture = try await StoreFixture(.postgres)
        _ = try await fixture.store.submit((0..<60).map { StoreFixture.job("j\($0)") }, now: 1)
        let store = fixture.store
        for _ in 0..<3 {
            let outcomes = await withTaskGroup(of: (Bool, Result<[ClaimedJob], any Error>).self) { group in
                for index in 0..<17 {
                    group.addTask {
                        var request = StoreFixture.pilot()
                        request.node = index == 0 ? "bad\u{0}node" : "node\(index)"
                        do { return (index == 0, .success(try await store.claim(request, key: nil, now: 2))) } catch { return (index == 0, .failure(error)) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            for (bad, outcome) in outcomes {
                switch outcome {
                case .success(let jobs): #expect(!bad && jobs.count == 1, "a good claim gets its job; the bad one none")
                case .failure(let error): #expect(bad, "only the claim with the NUL fails: \(error)")
                }
            }
        }
        let summary = try await fixture.store.summary()
        #expect(summary.count(queue: "Q", state: .sent) == 48)
        #expect(summary.count(queue: "Q", state: .activated) == 12)
        await fixture.close()
    }
}
