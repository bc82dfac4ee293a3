import Foundation
import PandaCore
import Testing
import TestSupport

/// Every count the monitor shows is exact or says what it counts.
@Suite("monitor: counts say what they count", .serialized)
struct MonitorCountsTests {
    @Test("a user's page over more jobs than the value counts scan says they cover the newest 1000 only; fewer are all counted")
    func userPageCounts() async throws {
        let setup = try MonitorSetup()
        defer { setup.stop() }
        let alice = try setup.server.token("alice", scope: "submit")
        let bob = try setup.server.token("bob", scope: "submit")
        let many = (0..<1_005).map { jobJSON("j\($0)", queue: "Q1") }
        let submitted = try await setup.server.post("/api/v1/job/submit", token: alice, json: ["jobs": many])
        #expect(submitted.status == 200, "\(submitted.message)")
        let few = try await setup.server.post("/api/v1/job/submit", token: bob, json: ["jobs": [jobJSON("b", queue: "Q1")]])
        #expect(few.status == 200, "\(few.message)")
        try setup.startMonitor()

        let page = try setup.fetch("/users/alice")
        #expect(page.status == 200)
        #expect(page.body.contains("Counted among the newest 1000 of these jobs, not all of them"), "\(page.body.prefix(3000))")
        let small = try setup.fetch("/users/bob")
        #expect(small.body.contains("All 1 of them, by state"), "\(small.body.prefix(3000))")
    }
}
