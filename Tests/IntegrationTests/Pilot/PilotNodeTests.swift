import Foundation
import PandaCore
import Testing

/// The node check: a pilot refuses a node below its queue's minimums, says
/// why, and the server counts it.
@Suite("pilot: node check")
struct PilotNodeTests {
    @Test("a queue needing more cores than the node has: the pilot exits 3 with 1390, and the server counts it")
    func tooFewCores() async throws {
        let site = try PilotSite(queues: ["BIG: { write_to: LOCAL, corecount: 1024, maxrss: 1GB, maxwdir: 1GB }"])
        defer { site.cleanUp() }
        let pilot = try site.runPilot("BIG")
        #expect(pilot.status == 3)
        #expect(pilot.log.contains("1390 node_too_small"), "\(pilot.log)")
        let metrics = try await site.server.get("/metrics", token: nil)
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains(#"panda_pilot_node_refusals_total{queue="BIG",code="1390"} 1"#), "\(text)")
    }

    @Test("a queue whose jobs may fill more disk than is free: 1098")
    func tooLittleDisk() async throws {
        let site = try PilotSite(queues: ["HUGE: { write_to: LOCAL, maxrss: 1GB, maxwdir: 1000TB }"])
        defer { site.cleanUp() }
        let pilot = try site.runPilot("HUGE")
        #expect(pilot.status == 3)
        #expect(pilot.log.contains("1098 no_local_space"), "\(pilot.log)")
    }

    @Test("an unknown queue or a wrong token stops the pilot with a clear message")
    func badSetup() async throws {
        let site = try PilotSite(queues: ["PQ: { write_to: LOCAL, maxrss: 1GB, maxwdir: 1GB }"])
        defer { site.cleanUp() }
        let pilot = try site.pilot("NOPE", arguments: ["--idle-timeout", "0s"], environment: ["PANDA_PILOT_TOKEN": site.pilotTokens["PQ"]!],
                                   tokenInEnvironment: false)
        try pilot.wait(timeout: 20)
        #expect(pilot.status == 1)
        #expect(pilot.log.contains("NOPE"), "\(pilot.log)")
    }
}
