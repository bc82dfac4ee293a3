import Foundation
import PandaCore
import Testing

/// Stage-in and stage-out through a real WebDAV storage element (nginx).
@Suite("pilot: storage through nginx WebDAV", .serialized)
struct PilotStorageTests {
    static func queues(dav: Int) -> (queues: [String], storage: [String]) {
        (["DQ: { read_from: [DAV, DEAD], write_to: DAV, copytools: [https, cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB }",
          "DEADQ: { read_from: [DAV], write_to: DEAD, copytools: [https], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB }"],
         ["DAV: { url: http://127.0.0.1:\(dav)/store }",
          // Port 1 on loopback: connection refused.
          "DEAD: { url: http://127.0.0.1:1/store }"])
    }

    /// A running nginx WebDAV storage element and a server whose queues use it.
    static func davSite() throws -> (StorageElement, PilotSite) {
        let se = try StorageElement()
        try se.start()
        do {
            let config = queues(dav: se.port)
            return (se, try PilotSite(queues: config.queues, storage: config.storage))
        } catch {
            se.cleanUp()
            throw error
        }
    }

    static func adler(_ data: Data) -> String {
        var sum = Adler32()
        sum.update(Array(data))
        return "ad:\(sum.hex)"
    }

    func input(_ lfn: String, _ data: Data, urls: [String], checksum: String? = nil) -> [String: Any] {
        ["lfn": lfn, "size": data.count, "checksum": checksum ?? Self.adler(data),
         "replicas": urls.map { ["storage": $0.contains(":1/") ? "DEAD" : "DAV", "url": $0] }]
    }

    @Test("inputs come from WebDAV and outputs go to it, checksums verified both ways")
    func roundTrip() async throws {
        let (se, site) = try Self.davSite()
        defer { se.cleanUp(); site.cleanUp() }
        let data = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try se.put("/store/in/events.dat", data)
        let job = shellJob("cat events.dat events.dat > doubled.dat", queue: "DQ", outputs: ["doubled.dat"],
                           inputs: [input("events.dat", data, urls: ["\(se.url)/store/in/events.dat"])])
        let id = try await site.submit([job])[0]
        let pilot = try site.runPilot("DQ")
        let done = try await site.wait(for: id)
        #expect(done.status.state == .finished, "\(done.status.errorDiag ?? "") \(pilot.log)")
        let stored = try #require(se.contents("/store/user.jdoe/doubled.dat"))
        #expect(stored == data + data)
        let reported = try #require(done.outputs.first { $0.lfn == "doubled.dat" })
        #expect(reported.checksum == Self.adler(data + data))
        #expect(reported.url == "\(se.url)/store/user.jdoe/doubled.dat")
        #expect(done.outputs.contains { $0.isLog && se.contents("/store/panda/\($0.lfn)") != nil })
    }

    @Test("a replica whose checksum differs from the catalogue fails stage-in: 1171 for adler32, 1145 for md5")
    func checksumMismatch() async throws {
        let (se, site) = try Self.davSite()
        defer { se.cleanUp(); site.cleanUp() }
        let data = Data("the real contents\n".utf8)
        try se.put("/store/in/a.dat", data)
        let ids = try await site.submit([
            shellJob("cat a.dat", queue: "DQ", inputs: [input("a.dat", data, urls: ["\(se.url)/store/in/a.dat"], checksum: "ad:00000001")]),
            shellJob("cat a.dat", queue: "DQ",
                     inputs: [input("a.dat", data, urls: ["\(se.url)/store/in/a.dat"], checksum: "md5:" + String(repeating: "0", count: 32))]),
        ])
        _ = try site.runPilot("DQ")
        let adler = try await site.wait(for: ids[0])
        #expect(adler.status.state == .failed)
        #expect(adler.status.errorCode == 1171, "\(adler.status.errorDiag ?? "")")
        let md5 = try await site.wait(for: ids[1])
        #expect(md5.status.errorCode == 1145, "\(md5.status.errorDiag ?? "")")
    }

    @Test("an unreachable replica is skipped for the next; with none left, 1099; a missing file, 1100")
    func unreachableStorage() async throws {
        let (se, site) = try Self.davSite()
        defer { se.cleanUp(); site.cleanUp() }
        let data = Data("payload input\n".utf8)
        try se.put("/store/in/b.dat", data)
        let ids = try await site.submit([
            shellJob("cat b.dat", queue: "DQ", name: "failover",
                     inputs: [input("b.dat", data, urls: ["http://127.0.0.1:1/store/in/b.dat", "\(se.url)/store/in/b.dat"])]),
            shellJob("cat b.dat", queue: "DQ", name: "unreachable",
                     inputs: [input("b.dat", data, urls: ["http://127.0.0.1:1/store/in/b.dat"])]),
            shellJob("cat c.dat", queue: "DQ", name: "missing",
                     inputs: [input("c.dat", data, urls: ["\(se.url)/store/in/c.dat"])]),
        ])
        _ = try site.runPilot("DQ")
        #expect(try await site.wait(for: ids[0]).status.state == .finished)
        let unreachable = try await site.wait(for: ids[1])
        #expect(unreachable.status.errorCode == 1099, "\(unreachable.status.errorDiag ?? "")")
        #expect(unreachable.status.errorDiag?.contains("127.0.0.1:1") == true)
        #expect(try await site.wait(for: ids[2]).status.errorCode == 1100)
    }

    @Test("job recovery: outputs that could not be stored wait on the node; a later pilot stores them and the job finishes")
    func recovery() async throws {
        // The storage element is down when the job runs, up when the next pilot comes.
        let se = try StorageElement()
        defer { se.cleanUp() }
        let config = Self.queues(dav: se.port)
        let site = try PilotSite(queues: ["RQ: { write_to: DAV, copytools: [https], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB }"],
                                 storage: config.storage)
        defer { site.cleanUp() }
        let id = try await site.submit([shellJob("echo precious > result.dat", queue: "RQ", outputs: ["result.dat"])])[0]
        let first = try site.runPilot("RQ")
        #expect(first.status == 0, "\(first.log)")
        try await site.wait(for: id, state: .holding)
        let area = site.server.directory + "/recovery/RQ"
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: area)) ?? []).count == 1, "the outputs wait in \(area)")

        try se.start()
        let second = try site.runPilot("RQ")
        #expect(second.status == 0, "\(second.log)")
        let job = try await site.wait(for: id)
        #expect(job.status.state == .finished, "\(second.log)")
        #expect(se.contents("/store/user.jdoe/result.dat") == Data("precious\n".utf8))
        #expect(job.outputs.contains { $0.lfn == "result.dat" })
        #expect(job.history.contains { $0.reason?.contains("recovered by pilot") == true })
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: area)) ?? []).isEmpty)
    }

    @Test("recovery needs the job's queue, the attempt's lease and a holding job: anything else is refused")
    func recoveryRefusals() async throws {
        let site = try PilotSite(queues: ["RQ: { write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB }",
                                          "OTHER: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB }"])
        defer { site.cleanUp() }
        let id = try await site.submit([shellJob("true", queue: "RQ")])[0]
        let token = try #require(site.pilotTokens["RQ"])
        let job = try #require(try await site.server.acquire(token: token, queue: "RQ"))
        #expect(job.id == id)
        let noLease = try await site.server.post("/api/v1/pilot/recover_job", token: token,
                                                 json: ["job_id": id, "attempt": 1, "queue": "RQ", "node": "n"])
        #expect(noLease.status == 400, "a guessed job id alone is no proof")
        let guessed = try await site.server.post("/api/v1/pilot/recover_job", token: token,
                                                 json: ["job_id": id, "attempt": 1, "lease": "0123456789abcdef", "queue": "RQ", "node": "n"])
        #expect(guessed.status == 409)
        let notHolding = try await site.server.post("/api/v1/pilot/recover_job", token: token,
                                                    json: ["job_id": id, "attempt": 1, "lease": job.lease, "queue": "RQ", "node": "n"])
        #expect(notHolding.status == 409)
        #expect(notHolding.message.contains("not holding"))
        let otherQueue = try await site.server.post("/api/v1/pilot/recover_job", token: token,
                                                    json: ["job_id": id, "attempt": 1, "lease": job.lease, "queue": "OTHER", "node": "n"])
        #expect(otherQueue.status == 403)
    }
}
