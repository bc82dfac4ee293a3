import Foundation
import PandaCore
import Testing

/// The recovery area is the pilot user's alone, and a manifest found in it
/// can send files only where the job's storage endpoints are.
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

    @Test("an entry another user planted, or an area others may write, is refused and left alone")
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

        chmod(area, 0o777)
        let second = try site.runPilot("RQ")
        #expect(second.log.contains("recovery area refused"), "\(second.log)")
        #expect(second.log.contains("mode 777"), "\(second.log)")
    }
}
