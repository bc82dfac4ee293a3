import Foundation
import PandaCore
import Testing

/// A server that is away when a job ends does not lose the job: the final
/// report waits on disk and is delivered later.
@Suite("pilot: final reports survive a server outage", .serialized)
struct PilotOutageTests {
    static let queue = "PQ: { write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB, maxtime: 1h }"

    @Test("the server stops while the payload runs and comes back after the pilot has gone: the next pilot delivers the report and the job ends finished")
    func nextPilotDelivers() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        // The payload ends once the server is down.
        let go = site.server.directory + "/go"
        let id = try await site.submit([shellJob("while [ ! -e \(go) ]; do sleep 0.1; done; echo done > out.txt", queue: "PQ",
                                                 outputs: ["out.txt"], walltime: "25s")])[0]
        let first = try site.pilot("PQ", arguments: ["--idle-timeout", "0s", "--lifetime", "30s"])
        try await site.wait(for: id, state: .running)
        site.server.kill9()
        _ = FileManager.default.createFile(atPath: go, contents: nil)
        try first.wait(timeout: 90)
        #expect(first.log.contains("final report not delivered"), "\(first.log)")
        #expect(first.log.contains("left in"), "\(first.log)")
        let outbox = site.stateDirectory + "/outbox/PQ"
        #expect((try? FileManager.default.contentsOfDirectory(atPath: outbox)) == ["\(id).1.json"], "the report waits in \(outbox)")

        try site.server.start()
        let second = try site.runPilot("PQ")
        let job = try await site.wait(for: id)
        #expect(job.status.state == .finished, "\(second.log)")
        #expect(job.status.attempt == 1)
        #expect(job.outputs.contains { $0.lfn == "out.txt" })
        #expect(second.log.contains("kept since the server was away"), "\(second.log)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: outbox)) == [])
    }

    @Test("the server restarts soon after the job ends: the same pilot delivers the report before it exits")
    func samePilotDelivers() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let go = site.server.directory + "/go"
        let id = try await site.submit([shellJob("while [ ! -e \(go) ]; do sleep 0.1; done; echo done > out.txt", queue: "PQ",
                                                 outputs: ["out.txt"], walltime: "60s")])[0]
        let pilot = try site.pilot("PQ", arguments: ["--idle-timeout", "0s", "--lifetime", "3m"])
        try await site.wait(for: id, state: .running)
        site.server.kill9()
        _ = FileManager.default.createFile(atPath: go, contents: nil)
        // Back once the pilot has found it away at the end of the job.
        let deadline = Date().addingTimeInterval(120)
        while !pilot.log.contains("final report not delivered") && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        try site.server.start()
        try pilot.wait(timeout: 300)
        #expect(pilot.log.contains("kept since the server was away"), "\(pilot.log)")
        // With the catalogue away at the end of the job, its outputs could not
        // be checked against the names the catalogue holds, so they wait in
        // the recovery area (holding) rather than being written unchecked;
        // the report saying so is what this pilot delivered. The next pilot
        // stores them.
        if try await site.describe(id).status.state == .holding {
            let next = try site.runPilot("PQ")
            #expect(next.log.contains("recover"), "\(next.log)")
        }
        let job = try await site.wait(for: id)
        #expect(job.status.state == .finished, "\(pilot.log)")
        #expect(job.outputs.contains { $0.lfn == "out.txt" })
    }
}
