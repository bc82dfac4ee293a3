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

    @Test("the batch slot's end (SLURM_JOB_END_TIME) bounds the pilot: a job longer than the time left is not taken")
    func slotEnd() async throws {
        let site = try PilotSite(queues: ["PQ: { write_to: LOCAL, maxrss: 1GB, maxwdir: 1GB, maxtime: 2h }"])
        defer { site.cleanUp() }
        let ids = try await site.submit([shellJob("true", queue: "PQ", walltime: "1h"), shellJob("true", queue: "PQ", walltime: "1m")])
        let end = Int(Date().timeIntervalSince1970) + 600
        let pilot = try site.pilot("PQ", arguments: ["--idle-timeout", "0s"], environment: ["SLURM_JOB_END_TIME": String(end)])
        try pilot.wait(timeout: 30)
        #expect(pilot.log.contains("lifetime 9m") || pilot.log.contains("lifetime 10m"), "\(pilot.log)")
        #expect(try await site.describe(ids[0]).status.state == .activated, "the 1h job waits for a pilot with time for it")
        #expect(try await site.describe(ids[1]).status.state == .finished)
    }
}
