import Foundation
import TestSupport
import Testing
@testable import PandaSystem

@Suite("spawn as another user")
struct SpawnIdentityTests {
    @Test("root, and a name nobody has, are refused as identities")
    func refusals() {
        #expect(throws: Spawn.Identity.Refusal.self) { try Spawn.Identity(user: "root") }
        #expect(throws: Spawn.Identity.Refusal.self) { try Spawn.Identity(user: "no-such-user-\(getpid())") }
        #expect(throws: Spawn.Identity.Refusal.self) { try Spawn.Identity(user: "") }
    }

    @Test("a child started with an identity has exactly its uid, gid and groups, and none of the parent's descriptors",
          .enabled(if: SystemUser.isRoot, "switching identity needs root (CI runs as root); skipped as another user"))
    func switches() throws {
        let user = try SystemUser.ensure("panda-test-spawn")
        let directory = NSTemporaryDirectory() + "panda-spawn-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A descriptor the parent holds open must not reach the child.
        let held = open(directory + "/held", O_CREAT | O_WRONLY, 0o600)
        defer { close(held) }
        let output = directory + "/out"
        let pid = try Spawn.start("sh", ["-c", "id -u; id -g; id -G; pwd; ls /proc/self/fd | wc -l; grep CapEff /proc/self/status"],
                                  environment: ["PATH": "/usr/bin:/bin"], stdin: "/dev/null", stdout: output, stderr: output,
                                  directory: directory, truncate: true, searchPath: true, identity: user)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let lines = (SmallFile.text(output) ?? "").split(separator: "\n").map(String.init)
        #expect(Spawn.exitCode(status) == 0, "\(lines)")
        #expect(lines.count == 6, "\(lines)")
        guard lines.count == 6 else { return }
        #expect(lines[0] == String(user.uid))
        #expect(lines[1] == String(user.gid))
        #expect(Set(lines[2].split(separator: " ").map(String.init)) == Set(user.groups.map { String($0) }))
        #expect(lines[3] == directory)
        // 0, 1, 2 and the one ls opens to read the directory.
        #expect(lines[4].trimmingCharacters(in: .whitespaces) == "4")
        #expect(lines[5].hasSuffix("0000000000000000"), "no capabilities: \(lines[5])")
    }

    @Test("a child started with an identity that has a umask starts with that umask, not the parent's",
          .enabled(if: SystemUser.isRoot, "switching identity needs root (CI runs as root); skipped as another user"))
    func umask() throws {
        var user = try SystemUser.ensure("panda-test-spawn")
        let directory = NSTemporaryDirectory() + "panda-spawn-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        chmod(directory, 0o777)
        let output = directory + "/out"
        // Neither 022 nor 077 (a test runner's or a unit's): only the identity's can give it.
        user.umask = 0o027
        let pid = try Spawn.start("sh", ["-c", "umask; touch made; stat -c %a made"], environment: ["PATH": "/usr/bin:/bin"],
                                  stdin: "/dev/null", stdout: output, stderr: output, directory: directory, truncate: true,
                                  searchPath: true, identity: user)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let lines = (SmallFile.text(output) ?? "").split(separator: "\n").map(String.init)
        #expect(Spawn.exitCode(status) == 0, "\(lines)")
        #expect(lines == ["0027", "640"])
    }

    @Test("a missing executable under an identity is an error from start, not a child that exits 127",
          .enabled(if: SystemUser.isRoot, "switching identity needs root (CI runs as root); skipped as another user"))
    func missingExecutable() throws {
        let user = try SystemUser.ensure("panda-test-spawn")
        #expect(throws: Spawn.Failure.self) {
            try Spawn.start("/nonexistent/payload", [], environment: [:], stdin: "/dev/null", stdout: "/dev/null",
                            stderr: "/dev/null", identity: user)
        }
        #expect(throws: Spawn.Failure.self) {
            try Spawn.start("no-such-command-anywhere", [], environment: [:], stdin: "/dev/null", stdout: "/dev/null",
                            stderr: "/dev/null", searchPath: true, identity: user)
        }
    }
}
