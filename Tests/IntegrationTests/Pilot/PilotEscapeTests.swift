import Foundation
import PandaCore
import Testing

/// Issue 11, classes 2 and 3 with a real pilot writing to a real storage
/// endpoint: names that would leave the endpoint are refused by the server,
/// and, should one reach a pilot anyway (a job stored before the check
/// existed), the pilot's storage code refuses it too.
@Suite("pilot: nothing is stored or staged in outside its storage endpoint", .serialized)
struct PilotEscapeTests {
    static let queue = "EQ: { read_from: [LOCAL], write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB }"

    /// Rewrites one value of a stored job's spec (`value` is JSON), as a job
    /// stored by an older, laxer server would hold it.
    static func rewrite(_ site: PilotSite, job: Int64, at path: String, to value: String) throws {
        let result = try PandaProcess.runTool("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], timeout=30)
            db.execute("UPDATE jobs SET spec = json_replace(spec, ?, json(?)) WHERE id = ?", (sys.argv[3], sys.argv[4], int(sys.argv[2])))
            db.commit()
            """, site.server.databasePath, String(job), path, value])
        guard result.status == 0 else { throw ServerProcessError("rewriting job \(job): \(result.stderr)") }
    }

    /// Files named `name` in the storage directory's tree or in any of the
    /// directories above it, where `../..` would have put them.
    static func copies(of name: String, near storage: String) -> [String] {
        var places = [storage]
        for _ in 0..<3 { places.append((places.last! as NSString).deletingLastPathComponent) }
        return places.map { $0 + "/" + name }.filter { FileManager.default.fileExists(atPath: $0) }
            + SafetyChecks.snapshot(storage).keys.filter { ($0 as NSString).lastPathComponent == name }
    }

    @Test("an output or log scope of ../.. is refused at submit with 400; nothing is stored")
    func refusedAtSubmit() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let reader = try site.server.token("monitor", scope: "read")
        let before = SafetyChecks.snapshot(site.storageDirectory)
        var job = shellJob("echo pwned > pwned.txt", queue: "EQ")
        job["outputs"] = [["lfn": "pwned.txt", "scope": "../.."]]
        let reply = try await site.server.post("/api/v1/job/submit", token: site.user, json: ["jobs": [job]])
        SafetyChecks.expectRefused(reply, 400, containing: "jobs[0].outputs[0].scope '../..' must not hold '/' or '\\'")
        job["outputs"] = [["lfn": "pwned.txt"]]
        job["log"] = ["lfn": "pwned.log.tgz", "scope": "x/../../.."]
        SafetyChecks.expectRefused(try await site.server.post("/api/v1/job/submit", token: site.user, json: ["jobs": [job]]), 400,
                                   containing: "jobs[0].log.scope 'x/../../..' must not hold '/'")
        _ = try site.runPilot("EQ")
        #expect(try await SafetyChecks.jobs(site.server, token: reader).isEmpty)
        #expect(SafetyChecks.snapshot(site.storageDirectory) == before)
        #expect(Self.copies(of: "pwned.txt", near: site.storageDirectory).isEmpty)
    }

    @Test("a stored job whose output scope escapes its endpoint is not stored by the pilot: the job waits in holding, nothing lands outside")
    func pilotRefusesToStore() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        var job = shellJob("echo pwned > pwned.txt", queue: "EQ")
        job["outputs"] = [["lfn": "pwned.txt", "scope": "user.jdoe"]]
        let id = try await site.submit([job])[0]
        try Self.rewrite(site, job: id, at: "$.outputs[0].scope", to: #""../..""#)
        let pilot = try site.runPilot("EQ")
        // Stage-out failed, so the payload's outputs wait in the recovery area, not at the storage.
        try await site.wait(for: id, state: .holding)
        let area = site.server.directory + "/recovery/EQ"
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: area)) ?? []).count == 1, "\(pilot.log)")
        #expect(Self.copies(of: "pwned.txt", near: site.storageDirectory).isEmpty, "\(pilot.log)")
    }

    @Test("a stored job whose input replica lies outside its endpoint is not staged in: the payload never runs")
    func pilotRefusesToStageIn() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        // Beside the endpoint's directory: reachable as BASE/%2e%2e/NAME if escapes were followed.
        let secret = (site.storageDirectory as NSString).deletingLastPathComponent + "/panda-secret-\(UUID().uuidString.prefix(8)).txt"
        try Data("not for payloads\n".utf8).write(to: URL(fileURLWithPath: secret))
        defer { unlink(secret) }
        try Data("inside\n".utf8).write(to: URL(fileURLWithPath: site.storageDirectory + "/in.txt"))
        var job = shellJob("cat in.txt > out.txt", queue: "EQ", outputs: ["out.txt"],
                           inputs: [["lfn": "in.txt", "size": 7, "replicas": [["storage": "LOCAL", "url": "file://" + site.storageDirectory + "/in.txt"]]]])
        job["outputs"] = [["lfn": "out.txt"]]
        let id = try await site.submit([job])[0]
        try Self.rewrite(site, job: id, at: "$.inputs[0].replicas[0].url", to: "\"file://\(site.storageDirectory)/%2e%2e/\((secret as NSString).lastPathComponent)\"")
        try Self.rewrite(site, job: id, at: "$.inputs[0].size", to: "17")
        let pilot = try site.runPilot("EQ")
        let done = try await site.wait(for: id)
        #expect(done.status.state == .failed, "\(pilot.log)")
        #expect(done.status.errorCode == ErrorCode.replicaNotFound.number, "\(done.status.errorDiag ?? "")")
        #expect(pilot.log.contains("it is not under the base of LOCAL"), "\(pilot.log)")
        #expect(!FileManager.default.fileExists(atPath: site.storageDirectory + "/user.jdoe/out.txt"))
    }

    @Test("alice's job cannot write bob's file: 403 at submit; her unscoped output lands in her own scope; bob's bytes and dataset are unchanged")
    func scopesAreOwned() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let bob = try site.server.token("bob", scope: "submit")
        let reader = try site.server.token("monitor", scope: "read")
        var bobsJob = shellJob("echo bob > data.txt", queue: "EQ")
        bobsJob["outputs"] = [["lfn": "data.txt"]]
        bobsJob["output_dataset"] = "user.bob.results"
        let submitted = try await site.server.post("/api/v1/job/submit", token: bob, json: ["jobs": [bobsJob]])
        #expect(submitted.status == 200, "\(submitted.message)")
        let bobs = try submitted.decode(SubmitResult.self).jobs[0].id
        _ = try site.runPilot("EQ")
        let bobsState = try await site.server.post("/api/v1/job/get_description", token: bob, json: ["job_id": bobs]).decode(JobDescription.self).status.state
        #expect(bobsState == .finished)
        let bobsFile = site.storageDirectory + "/user.bob/data.txt"
        #expect(FileManager.default.contents(atPath: bobsFile) == Data("bob\n".utf8))
        let catalogue = try await SafetyChecks.catalogue(site.server, token: reader)
        let stored = SafetyChecks.snapshot(site.storageDirectory)

        // Alice (jdoe) names bob's scope: refused, and nothing is queued for a pilot.
        var alicesJob = shellJob("echo alice > data.txt", queue: "EQ")
        alicesJob["outputs"] = [["lfn": "data.txt", "scope": "user.bob"]]
        SafetyChecks.expectRefused(try await site.server.post("/api/v1/job/submit", token: site.user, json: ["jobs": [alicesJob]]), 403,
                                   containing: "jobs[0].outputs[0].scope 'user.bob' is not yours: jdoe writes in user.jdoe")
        // Nor may she add to bob's dataset.
        alicesJob["outputs"] = [["lfn": "data.txt"]]
        alicesJob["output_dataset"] = "user.bob.results"
        SafetyChecks.expectRefused(try await site.server.post("/api/v1/job/submit", token: site.user, json: ["jobs": [alicesJob]]), 403,
                                   containing: "jobs[0].output_dataset 'user.bob.results' is in scope user.bob, which is not yours: jdoe writes in user.jdoe")
        _ = try site.runPilot("EQ")
        #expect(SafetyChecks.snapshot(site.storageDirectory) == stored)
        #expect(try await SafetyChecks.catalogue(site.server, token: reader) == catalogue)

        // Without a scope her output is hers, beside bob's, not over it.
        alicesJob["output_dataset"] = nil
        let alices = try await site.submit([alicesJob])[0]
        _ = try site.runPilot("EQ")
        #expect(try await site.wait(for: alices).status.state == .finished)
        #expect(FileManager.default.contents(atPath: site.storageDirectory + "/user.jdoe/data.txt") == Data("alice\n".utf8))
        #expect(FileManager.default.contents(atPath: bobsFile) == Data("bob\n".utf8))
        #expect(try await SafetyChecks.catalogue(site.server, token: reader) == catalogue)
    }
}
