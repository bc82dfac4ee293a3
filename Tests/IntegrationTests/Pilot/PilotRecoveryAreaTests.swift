import Foundation
import PandaCore
import Testing

/// The recovery area is the pilot user's alone, a manifest found in it can
/// send files only where the job's storage endpoints are, and its files are
/// stored only when they are what the server recorded as kept.
@Suite("pilot: the recovery area", .serialized)
struct PilotRecoveryAreaTests {
    /// DEAD refuses connections, so a job's stage-out fails and it holds.
    static func site() throws -> PilotSite {
        try PilotSite(queues: ["RQ: { write_to: DEAD, copytools: [https, cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB }"],
                      storage: ["DEAD: { url: http://127.0.0.1:1/store }"])
    }

    /// A job whose outputs wait in the recovery area of a pilot with HOME=`home`.
    static func holdingJob(_ site: PilotSite, home: String) async throws -> Int64 {
        let id = try await site.submit([shellJob("echo precious > result.dat", queue: "RQ", outputs: ["result.dat"])])[0]
        let pilot = try site.pilot("RQ", arguments: ["--idle-timeout", "0s"], environment: ["HOME": home], defaultDirectories: true)
        try pilot.wait(timeout: 60)
        try await site.wait(for: id, state: .holding)
        return id
    }

    @Test("by default the recovery area is under the pilot user's state directory (~/.local/state/panda), mode 0700, not /var/tmp")
    func defaultLocation() async throws {
        let site = try Self.site()
        defer { site.cleanUp() }
        let home = site.server.directory + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let id = try await Self.holdingJob(site, home: home)
        let state = home + "/.local/state/panda"
        for directory in [state, state + "/recovery", state + "/recovery/RQ"] {
            var info = stat()
            #expect(lstat(directory, &info) == 0, "\(directory) exists")
            #expect(info.st_mode & 0o777 == 0o700, "\(directory) has mode \(String(info.st_mode & 0o777, radix: 8))")
            #expect(info.st_uid == geteuid())
        }
        #expect(FileManager.default.fileExists(atPath: state + "/recovery/RQ/\(id).1/result.dat"))
    }

    @Test("a manifest altered to upload elsewhere is refused: nothing is written there and the job stays holding")
    func alteredManifest() async throws {
        let site = try Self.site()
        defer { site.cleanUp() }
        let home = site.server.directory + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let id = try await Self.holdingJob(site, home: home)
        let entry = home + "/.local/state/panda/recovery/RQ/\(id).1"
        let stolen = site.server.directory + "/attacker/stolen.dat"
        // Another local user's wish: the job's file copied to a place of theirs.
        let manifestPath = entry + "/recovery.json"
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as? [String: Any])
        var files = try #require(manifest["files"] as? [[String: Any]])
        files[0]["url"] = stolen
        manifest["files"] = files
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: manifestPath))

        let pilot = try site.pilot("RQ", arguments: ["--idle-timeout", "0s"], environment: ["HOME": home], defaultDirectories: true)
        try pilot.wait(timeout: 60)
        #expect(pilot.log.contains("recovery entry of job \(id) refused"), "\(pilot.log)")
        #expect(pilot.log.contains("belongs at http://127.0.0.1:1/store/user.jdoe/result.dat"), "\(pilot.log)")
        #expect(!FileManager.default.fileExists(atPath: stolen), "the pilot uploaded to the manifest's URL")
        #expect(try await site.describe(id).status.state == .holding)
        #expect(FileManager.default.fileExists(atPath: entry + "/result.dat"), "the entry is left, unclaimed")
    }

    @Test("an entry another user planted is refused and left alone; an area of the pilot's user open to others is closed again (0700)")
    func plantedEntry() async throws {
        let site = try Self.site()
        defer { site.cleanUp() }
        let area = site.server.directory + "/recovery/RQ"
        try FileManager.default.createDirectory(atPath: area, withIntermediateDirectories: true)
        chmod(site.server.directory + "/recovery", 0o700)
        chmod(area, 0o700)
        let planted = area + "/999.1"
        try FileManager.default.createDirectory(atPath: planted, withIntermediateDirectories: true)
        try #"{"jobID":999,"attempt":1,"queue":"RQ","files":[]}"#.write(toFile: planted + "/recovery.json", atomically: true, encoding: .utf8)
        // nobody's, as if another local user had made it.
        chown(planted, 65534, 65534)
        let first = try site.runPilot("RQ")
        #expect(first.log.contains("recovery entry 999.1 refused: not a directory of the pilot's user"), "\(first.log)")
        #expect(FileManager.default.fileExists(atPath: planted + "/recovery.json"), "left where it was, unclaimed")

        // Refusing it would lose the outputs meant for it (issue 21, item 5);
        // what it holds is still checked entry by entry.
        chmod(area, 0o777)
        let second = try site.runPilot("RQ")
        #expect(second.log.contains("recovery area: \(area) had mode 777; set to 0700"), "\(second.log)")
        #expect(second.log.contains("recovery entry 999.1 refused: not a directory of the pilot's user"), "\(second.log)")
        var info = stat()
        #expect(lstat(area, &info) == 0 && info.st_mode & 0o777 == 0o700)

        // One of another user is still refused.
        chown(area, 65534, 65534)
        let third = try site.runPilot("RQ")
        #expect(third.log.contains("recovery area refused: \(area) belongs to uid 65534"), "\(third.log)")
        #expect(FileManager.default.fileExists(atPath: planted + "/recovery.json"))
    }

    // Issue 21, item 5: a payload running as the pilot's own user can write the area.

    @Test("a recovery directory a payload made first, open to others, is closed again: the next job's outputs are still kept")
    func precreatedRecoveryDirectory() async throws {
        let site = try Self.site()
        defer { site.cleanUp() }
        let root = site.server.directory + "/recovery"
        let script = "mkdir -m 777 \(root) && mkdir -m 755 \(root)/RQ; echo precious > result.dat"
        let id = try await site.submit([shellJob(script, queue: "RQ", outputs: ["result.dat"])])[0]
        let pilot = try site.runPilot("RQ")
        try await site.wait(for: id, state: .holding)
        for directory in [root, root + "/RQ"] {
            var info = stat()
            #expect(lstat(directory, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o700, "\(directory): \(String(info.st_mode & 0o777, radix: 8)) \(pilot.log)")
        }
        #expect(FileManager.default.fileExists(atPath: root + "/RQ/\(id).1/result.dat"), "\(pilot.log)")
    }

    @Test("outputs a payload rewrote in the recovery area are neither stored nor catalogued: they differ from the server's record (1172)")
    func rewrittenRecoveryOutputs() async throws {
        // Storage is down while the jobs run, so outputs wait on the node; up for the recovering pilot.
        let se = try StorageElement()
        defer { se.cleanUp() }
        let config = PilotStorageTests.queues(dav: se.port)
        let site = try PilotSite(queues: ["RQ: { write_to: DAV, copytools: [https], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB }"],
                                 storage: config.storage)
        defer { site.cleanUp() }
        let victim = try await site.submit([shellJob("echo precious > result.dat", queue: "RQ", outputs: ["result.dat"])])[0]
        _ = try site.runPilot("RQ")
        try await site.wait(for: victim, state: .holding)

        // Another user's payload, under the same uid, rewrites what waits there.
        let bob = try site.server.token("bob", scope: "submit")
        let area = site.server.directory + "/recovery/RQ"
        let forge = "for f in \(area)/*/result.dat; do echo forged > \"$f\"; done; ls \(area)/*/result.dat"
        let reply = try await site.server.post("/api/v1/job/submit", token: bob, json: ["jobs": [shellJob(forge, queue: "RQ", name: "forger")]])
        #expect(reply.status == 200, "\(reply.message)")
        let forger = try reply.decode(SubmitResult.self).jobs[0].id
        func forgerState() async throws -> JobState {
            try await site.server.post("/api/v1/job/get_description", token: bob, json: ["job_id": forger]).decode(JobDescription.self).status.state
        }
        let second = try site.runPilot("RQ")
        #expect(try await forgerState() == .holding, "\(second.log)")
        let rewritten = try String(contentsOfFile: area + "/\(victim).1/result.dat", encoding: .utf8)
        #expect(rewritten == "forged\n", "the forger reached the file: \(second.log)")

        try se.start()
        let recovering = try site.runPilot("RQ")
        let job = try await site.wait(for: victim)
        #expect(job.status.state == .failed, "\(recovering.log)")
        #expect(job.status.errorCode == ErrorCode.stageOutChecksum.number, "\(job.status.errorDiag ?? "")")
        #expect(job.status.errorDiag?.contains("outputs changed in the recovery area after they were kept") == true,
                "\(job.status.errorDiag ?? "")")
        #expect(se.contents("/store/user.jdoe/result.dat") == nil, "the forged bytes were stored")
        // The forger's own job, untouched by anyone, is recovered as usual.
        #expect(try await forgerState() == .finished, "\(recovering.log)")
    }
}
