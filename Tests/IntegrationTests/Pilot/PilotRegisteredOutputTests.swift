import Foundation
import PandaCore
import Testing

/// A name the catalogue holds is never written with other bytes: the pilot
/// asks before it writes, on every storage kind, and fails the job (1391)
/// with the stored file untouched.
@Suite("pilot: a registered output is never overwritten", .serialized)
struct PilotRegisteredOutputTests {
    @Test("two jobs write the same name: the first is registered, the second (other bytes) fails 1391 and writes nothing, a third (same bytes) finishes",
          arguments: ["DQ", "LQ"])
    func secondWriterRefused(_ queue: String) async throws {
        let se = try StorageElement()
        try se.start()
        defer { se.cleanUp() }
        let site = try PilotSite(queues: [
            "DQ: { write_to: DAV, copytools: [https], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB }",
            "LQ: { write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB }",
        ], storage: ["DAV: { url: http://127.0.0.1:\(se.port)/store }"])
        defer { site.cleanUp() }
        func stored() -> Data? {
            queue == "DQ" ? se.contents("/store/user.jdoe/result.dat")
                : FileManager.default.contents(atPath: site.storageDirectory + "/user.jdoe/result.dat")
        }
        // Separate submissions, before either ran: the name was free both times.
        let first = try await site.submit([shellJob("echo first > result.dat", queue: queue, name: "first", outputs: ["result.dat"])])[0]
        let second = try await site.submit([shellJob("echo second > result.dat", queue: queue, name: "second", outputs: ["result.dat"])])[0]
        let same = try await site.submit([shellJob("echo first > result.dat", queue: queue, name: "same", outputs: ["result.dat"])])[0]
        let pilot = try site.runPilot(queue)
        #expect(pilot.status == 0, "\(pilot.log)")
        #expect(try await site.wait(for: first).status.state == .finished, "\(pilot.log)")
        let refused = try await site.wait(for: second)
        #expect(refused.status.state == .failed)
        #expect(refused.status.errorCode == 1391, "\(refused.status.errorDiag ?? "")")
        #expect(refused.status.errorDiag?.contains("user.jdoe:result.dat is already registered") == true, "\(refused.status.errorDiag ?? "")")
        #expect(stored() == Data("first\n".utf8), "the registered bytes are still the first job's")
        #expect(refused.outputs.allSatisfy { $0.isLog }, "only its log was stored: \(refused.outputs)")
        #expect(try await site.wait(for: same).status.state == .finished, "the same bytes under the same name: \(pilot.log)")
    }

    @Test("a later submission writing a name the catalogue holds is refused at once, though the first job had no dataset")
    func submissionRefused() async throws {
        let site = try PilotSite(queues: ["LQ: { write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB }"])
        defer { site.cleanUp() }
        let first = try await site.submit([shellJob("echo first > result.dat", queue: "LQ", outputs: ["result.dat"])])[0]
        _ = try site.runPilot("LQ")
        let done = try await site.wait(for: first)
        #expect(done.status.state == .finished)
        let log = try #require(done.outputs.first { $0.isLog })
        let again = try await site.server.post("/api/v1/job/submit", token: site.user,
                                               json: ["jobs": [shellJob("echo again > result.dat", queue: "LQ", outputs: ["result.dat"])]])
        #expect(again.status == 409, "\(again.message)")
        #expect(again.message.contains("user.jdoe:result.dat is already registered"), "\(again.message)")
        let asked = try await site.server.post("/api/v1/dataset/registered_files", token: site.user,
                                               json: ["files": [["scope": "user.jdoe", "lfn": "result.dat"], ["scope": "panda", "lfn": log.lfn],
                                                                ["scope": "user.jdoe", "lfn": "free.dat"]]])
        #expect(asked.status == 200, "\(asked.message)")
        let registered = try asked.decode([RegisteredFile].self)
        #expect(registered.map(\.name) == ["user.jdoe:result.dat", "panda:\(log.lfn)"])
        #expect(registered.first?.size == 6)
    }
}
