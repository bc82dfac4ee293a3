import Foundation
import PandaCore
import Testing

/// The server hears from a job through every step and its kill reaches the
/// job in any step: a slow transfer from a real nginx is heartbeated, and a
/// kill during it stops it.
@Suite("pilot: heartbeats and kills through every step", .serialized)
struct PilotContactTests {
    /// A server that sweeps a job after 3 s without news, and a queue whose
    /// pilots heartbeat every second and poll for commands every second.
    static func site(storage se: StorageElement, heartbeat: String = "1s") throws -> PilotSite {
        try PilotSite(queues: ["SLOWQ: { read_from: [DAV], write_to: LOCAL, copytools: [https, cp], heartbeat: \(heartbeat), "
                               + "command_poll: 1s, maxrss: 1GB, maxwdir: 1GB }"],
                      storage: ["DAV: { url: http://127.0.0.1:\(se.port) }"],
                      server: "sweep_interval: 300ms\ntimeouts: { heartbeat: 3s }")
    }

    static func slowInput(_ se: StorageElement, seconds: Int) throws -> [String: Any] {
        let data = Data((0..<(StorageElement.slowRate * seconds)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try se.place("/slow/input.dat", data)
        return ["lfn": "input.dat", "size": data.count, "checksum": PilotStorageTests.adler(data),
                "replicas": [["storage": "DAV", "url": "\(se.url)/slow/input.dat"]]]
    }

    @Test("a stage-in longer than the server's heartbeat timeout is heartbeated, so it is not swept as lost heartbeat")
    func slowStageIn() async throws {
        let se = try StorageElement()
        try se.start()
        defer { se.cleanUp() }
        let site = try Self.site(storage: se)
        defer { site.cleanUp() }
        // About 8 s of transfer against a 3 s heartbeat timeout.
        let id = try await site.submit([shellJob("test -s input.dat", queue: "SLOWQ", inputs: [try Self.slowInput(se, seconds: 8)])])[0]
        let pilot = try site.runPilot("SLOWQ", timeout: 90)
        let job = try await site.wait(for: id)
        #expect(job.status.state == .finished, "\(job.status.errorDiag ?? "") \(pilot.log)")
        #expect(job.status.attempt == 1, "the job was not swept and retried")
        #expect(!job.history.contains { $0.reason?.contains("heartbeat") == true }, "\(job.history)")
        let timings = try #require(job.timings)
        #expect(timings.stageIn > 3, "the transfer did outlast the heartbeat timeout: \(timings.stageIn) s")
    }

    @Test("a kill during stage-in stops the transfer (by the command poll) and the job ends cancelled with 1144")
    func killDuringStageIn() async throws {
        let se = try StorageElement()
        try se.start()
        defer { se.cleanUp() }
        // Heartbeats every 10 minutes: only the command poll can bring the kill in time.
        let site = try PilotSite(queues: ["SLOWQ: { read_from: [DAV], write_to: LOCAL, copytools: [https, cp], heartbeat: 10m, "
                                          + "command_poll: 1s, maxrss: 1GB, maxwdir: 1GB }"],
                                 storage: ["DAV: { url: http://127.0.0.1:\(se.port) }"],
                                 // Longer than the transfer: only the kill may end it, however slow the machine is.
                                 transferTimeout: "5m")
        defer { site.cleanUp() }
        // Ten minutes of transfer, if nothing stopped it.
        let id = try await site.submit([shellJob("touch ran", queue: "SLOWQ", inputs: [try Self.slowInput(se, seconds: 600)])])[0]
        let pilot = try site.pilot("SLOWQ", arguments: ["--idle-timeout", "0s"])
        try await site.wait(for: id, state: .starting)
        try await Task.sleep(for: .seconds(1))
        let killed = Date()
        let kill = try await site.server.post("/api/v1/job/kill", token: site.user, json: ["job_ids": [id]])
        #expect(kill.status == 200)
        try pilot.wait(timeout: 500)
        let job = try await site.wait(for: id)
        #expect(job.status.state == .cancelled, "\(pilot.log)")
        #expect(job.status.errorCode == 1144, "\(job.status.errorDiag ?? "")")
        // Far short of the transfer's ten minutes, however loaded the machine.
        #expect(Date().timeIntervalSince(killed) < 400, "the transfer was stopped, not run to its end")
        #expect(pilot.log.contains("command poll"), "\(pilot.log)")
    }

    @Test("a kill reaches a running payload by the command poll, long before the next heartbeat")
    func killByPoll() async throws {
        let site = try PilotSite(queues: ["POLLQ: { write_to: LOCAL, copytools: [cp], heartbeat: 10m, command_poll: 1s, maxrss: 1GB, maxwdir: 1GB }"])
        defer { site.cleanUp() }
        let pidFile = site.server.directory + "/payload.pid"
        let id = try await site.submit([shellJob("echo $$ > \(pidFile); sleep 300", queue: "POLLQ")])[0]
        let pilot = try site.pilot("POLLQ", arguments: ["--idle-timeout", "0s"])
        try await site.wait(for: id, state: .running)
        let kill = try await site.server.post("/api/v1/job/kill", token: site.user, json: ["job_ids": [id]])
        #expect(kill.status == 200)
        try pilot.wait(timeout: 30)
        let job = try await site.wait(for: id)
        #expect(job.status.state == .cancelled, "\(pilot.log)")
        #expect(pilot.log.contains("in the reply to its command poll"), "\(pilot.log)")
        let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!processExists(pid))
    }

    @Test("get_command answers the attempt's command, refuses a stale lease (409) and a pilot of another queue (403)")
    func commandRoute() async throws {
        let site = try PilotSite(queues: ["CQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB }",
                                          "OTHERQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB }"])
        defer { site.cleanUp() }
        let id = try await site.submit([shellJob("true", queue: "CQ")])[0]
        let token = try #require(site.pilotTokens["CQ"])
        let job = try #require(try await site.server.acquire(token: token, queue: "CQ"))
        let ask: [String: Any] = ["job_id": id, "attempt": job.attempt, "lease": job.lease]
        let quiet = try await site.server.post("/api/v1/pilot/get_command", token: token, json: ask)
        #expect(quiet.status == 200)
        #expect(try quiet.decode(UpdateReply.self) == UpdateReply(state: .sent, command: nil))
        _ = try await site.server.post("/api/v1/job/kill", token: site.user, json: ["job_ids": [id]])
        let killed = try await site.server.post("/api/v1/pilot/get_command", token: token, json: ask)
        #expect(try killed.decode(UpdateReply.self).command == .kill)
        let stale = try await site.server.post("/api/v1/pilot/get_command", token: token,
                                               json: ["job_id": id, "attempt": job.attempt, "lease": "0000"])
        #expect(stale.status == 409)
        let foreign = try await site.server.post("/api/v1/pilot/get_command", token: try #require(site.pilotTokens["OTHERQ"]), json: ask)
        #expect(foreign.status == 403)
    }
}
