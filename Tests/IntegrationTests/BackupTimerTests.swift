import Foundation
import Testing
import TestSupport

/// The backup timer the package ships (packaging/systemd), run as systemd
/// would run its service: the unit's own ExecStart against a real server's
/// database.
@Suite("panda-db-backup.timer and its service")
struct BackupTimerTests {
    static func unit(_ name: String) throws -> String {
        try String(contentsOfFile: Repository.path("packaging/systemd/" + name), encoding: .utf8)
    }

    static func values(_ key: String, in unit: String) -> [String] {
        unit.split(separator: "\n").compactMap { line in
            line.hasPrefix(key + "=") ? String(line.dropFirst(key.count + 1)) : nil
        }
    }

    @Test("the timer is shipped and installed, and the service is started only by it (disabled by default)")
    func shipped() throws {
        let timer = try Self.unit("panda-db-backup.timer")
        #expect(Self.values("Persistent", in: timer) == ["true"])
        #expect(!Self.values("OnCalendar", in: timer).isEmpty)
        #expect(Self.values("WantedBy", in: timer) == ["timers.target"])
        let service = try Self.unit("panda-db-backup.service")
        #expect(!service.contains("[Install]"), "only the timer is ever enabled")
        #expect(Self.values("User", in: service) == ["panda"])
        let install = try String(contentsOfFile: Repository.path("packaging/debian/panda.install"), encoding: .utf8)
        #expect(install.contains("systemd/panda-db-backup.service lib/systemd/system"))
        #expect(install.contains("systemd/panda-db-backup.timer lib/systemd/system"))
        let tmpfiles = try String(contentsOfFile: Repository.path("packaging/debian/panda.tmpfiles"), encoding: .utf8)
        #expect(tmpfiles.contains("d /var/backups/panda             0700 panda"))
    }

    @Test("the units pass systemd-analyze verify (but for the binary and man page, installed only by the package)")
    func verified() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else { return }
        let result = try PandaProcess.runTool("/usr/bin/systemd-analyze", ["verify"] + ["panda-db-backup.service", "panda-db-backup.timer"]
            .map { Repository.path("packaging/systemd/" + $0) })
        let complaints = (result.stdout + result.stderr).split(separator: "\n").filter {
            !$0.contains("/usr/bin/panda is not executable") && !$0.contains("Command 'man ")
        }
        #expect(complaints.isEmpty, "\(complaints)")
    }

    @Test("the service's ExecStart writes a dated, intact backup and keeps only the newest 14 of its own files")
    func execStartRotates() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        #expect(try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON("before-backup")]]).status == 200)

        let backups = server.directory + "/backups"
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: false)
        // Fifteen older backups (one day apart) and a file of the admin's own.
        for day in 1...15 {
            let name = String(format: "panda-202601%02dT031500Z.db", day)
            #expect(FileManager.default.createFile(atPath: backups + "/" + name, contents: Data("old".utf8)))
        }
        #expect(FileManager.default.createFile(atPath: backups + "/panda-keep-me.db", contents: Data()))

        let service = try Self.unit("panda-db-backup.service")
        var words = try #require(Self.values("ExecStart", in: service).first).split(separator: " ").map(String.init)
        #expect(words.first == "/usr/bin/panda")
        words.removeFirst()
        words = words.map { $0 == "/etc/panda/panda.yaml" ? server.configPath : $0 == "/var/backups/panda" ? backups : $0 }
        let result = try PandaProcess.run(words)
        #expect(result.status == 0, "\(result.stderr)")

        let left = try FileManager.default.contentsOfDirectory(atPath: backups).sorted()
        #expect(left.count == 15, "14 backups and the admin's file: \(left)")
        #expect(left.contains("panda-keep-me.db"))
        #expect(!left.contains("panda-20260101T031500Z.db") && !left.contains("panda-20260102T031500Z.db"), "the two oldest went")
        let fresh = try #require(left.filter { $0.hasPrefix("panda-2") }.last)
        #expect(!fresh.hasPrefix("panda-202601"), "the new backup is the newest: \(fresh)")
        var info = stat()
        #expect(stat(backups + "/" + fresh, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let checked = try PandaProcess.run(["db", "check", "-c", server.configPath, backups + "/" + fresh])
        #expect(checked.status == 0, "\(checked.stderr)")
    }

    @Test("--keep without --into, and FILE with --into, are usage errors")
    func usage() throws {
        #expect(try PandaProcess.run(["db", "backup", "--keep", "3", "/tmp/x.db"]).status == 2)
        #expect(try PandaProcess.run(["db", "backup", "--into", "/tmp", "/tmp/x.db"]).status == 2)
        #expect(try PandaProcess.run(["db", "backup", "--into", "/tmp", "--keep", "0"]).status == 2)
    }
}
