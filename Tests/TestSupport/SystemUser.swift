import Foundation
import PandaSystem

/// An unprivileged system user for tests that switch identity: made with
/// `useradd --system` when missing (which needs root, as CI has), then
/// resolved like the pilot resolves `pilot.payload_user`.
///
/// ```swift
/// @Test(.enabled(if: SystemUser.isRoot, "switching identity needs root"))
/// func switches() throws { let user = try SystemUser.ensure("panda-test-payload") }
/// ```
public enum SystemUser {
    public static var isRoot: Bool { geteuid() == 0 }

    public static func ensure(_ name: String) throws -> Spawn.Identity {
        if let existing = try? Spawn.Identity(user: name) { return existing }
        let log = NSTemporaryDirectory() + "panda-useradd-\(UUID().uuidString)"
        defer { unlink(log) }
        let useradd = try ChildProcess.spawn("/usr/sbin/useradd", ["--system", "--no-create-home", "--home-dir", "/nonexistent",
                                                                   "--shell", "/usr/sbin/nologin", "--user-group", name],
                                             environment: ["PATH": "/usr/sbin:/usr/bin:/bin"], stdout: log)
        let status = useradd.wait()
        // Parallel tests may add the same user at once: the loser's "already exists" is fine.
        do {
            return try Spawn.Identity(user: name)
        } catch {
            throw ChildProcessError("useradd \(name) exited \(status): \(SmallFile.text(log) ?? ""); \(error)")
        }
    }
}
