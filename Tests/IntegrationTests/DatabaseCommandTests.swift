import Foundation
import PandaCore
import Testing

@Suite("panda db backup and check")
struct DatabaseCommandTests {
    @Test("a backup taken while the server commits is intact, holds the accepted jobs, and never overwrites")
    func backupWhileServing() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let batch = ["jobs": (0..<50).map { jobJSON("j\($0)") }]
        #expect(try await server.post("/api/v1/job/submit", token: user, json: batch).status == 200)
        let backup = server.directory + "/backup.db"
        // The server keeps committing while the copy is taken.
        let writes = Task {
            for _ in 0..<20 { _ = try await server.post("/api/v1/job/submit", token: user, json: batch) }
        }
        let copied = try PandaProcess.run(["db", "backup", "-c", server.configPath, backup])
        try await writes.value
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("backed up to \(backup)"), "\(copied.stdout)")
        var info = stat()
        #expect(stat(backup, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600, "a backup holds every user's jobs")
        #expect(!FileManager.default.fileExists(atPath: backup + "-wal"), "the copy is one self-contained file")

        let checked = try PandaProcess.run(["db", "check", "-c", server.configPath, backup])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout == "\(backup): integrity ok\n")
        let live = try PandaProcess.run(["db", "check", "-c", server.configPath])
        #expect(live.status == 0, "the running server's own file: \(live.stderr)")

        let again = try PandaProcess.run(["db", "backup", "-c", server.configPath, backup])
        #expect(again.status == 1)
        #expect(again.stderr.contains("\(backup) exists; give a new file name"), "\(again.stderr)")

        // Restored under a fresh server, the copy has at least the jobs accepted before it began.
        server.terminate()
        let restored = try ServerProcess(start: false)
        defer { restored.cleanUp() }
        try FileManager.default.createDirectory(atPath: restored.directory + "/state", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: backup, toPath: restored.databasePath)
        try FileManager.default.copyItem(atPath: server.directory + "/state/signing.key", toPath: restored.directory + "/state/signing.key")
        try restored.start()
        let reader = try restored.token("ops", scope: "read")
        let count = try await restored.get("/api/v1/jobs?limit=1000", token: reader).decode(JobPage.self).jobs.count
        #expect(count >= 50, "the 50 jobs accepted before the backup began")
    }

    @Test("check finds a damaged file and exits non-zero; a missing file is refused")
    func checkFindsDamage() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        for _ in 0..<5 {
            #expect(try await server.post("/api/v1/job/submit", token: user, json: ["jobs": (0..<200).map { jobJSON("j\($0)") }]).status == 200)
        }
        let backup = server.directory + "/backup.db"
        #expect(try PandaProcess.run(["db", "backup", "-c", server.configPath, backup]).status == 0)
        // Overwrite the middle of the file: b-tree pages no longer parse.
        let handle = try #require(FileHandle(forUpdatingAtPath: backup))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        handle.write(Data(repeating: 0xA5, count: 8192))
        try handle.close()
        let damaged = try PandaProcess.run(["db", "check", "-c", server.configPath, backup])
        #expect(damaged.status == 1 || damaged.status == 2, "\(damaged.stdout)")
        #expect(!damaged.stdout.contains("integrity ok"))
        #expect(damaged.stderr.contains(backup), "\(damaged.stderr)")

        let missing = try PandaProcess.run(["db", "check", "-c", server.configPath, server.directory + "/nothing.db"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no database at \(server.directory)/nothing.db"), "\(missing.stderr)")
    }
}
