import Foundation
import PandaCore
import PandaSystem
import TestSupport
import Testing

/// Issue 21, items 3–5, the factory's shape: a local queue with
/// `batch.user` and `pilot.payload_user` runs the pilot as the one and its
/// payloads as the other, so no payload shares its pilot's uid.
@Suite("factory: local pilots run payloads as another user", .serialized)
struct FactoryPayloadUserTests {
    @Test("with batch.user and pilot.payload_user, the local pilot keeps only the capabilities to switch and its payload runs as the payload user with none",
          .enabled(if: SystemUser.isRoot, "switching identity needs root (CI runs as root); skipped as another user"))
    func payloadUserUnderBatchUser() async throws {
        let pilotUser = try SystemUser.ensure("panda-test-pilot")
        let payloadUser = try SystemUser.ensure("panda-test-pay1")
        let factory = try FactorySite(queues: [
            "UQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB, maxtime: 1h, "
                + "batch: { system: local, slots: 1, user: \(pilotUser.user) }, pilots: { max: 1, queued: 0, per_cycle: 1, walltime: 2h } }",
        ], pilot: "  recovery_dir: /tmp/panda-recovery-\(pilotUser.user)\n  payload_user: \(payloadUser.user)", sharedUID: nil)
        defer { factory.cleanUp() }
        // The pilot writes outputs and its log tarball there as its user.
        chmod(factory.site.storageDirectory, 0o1777)
        let script = "{ id -un; grep '^CapEff' /proc/self/status; grep -E '^(Uid|CapEff)' /proc/$PPID/status; } > who.txt"
        let id = try await factory.site.submit([shellJob(script, queue: "UQ", outputs: ["who.txt"])])[0]
        try factory.start()
        let job = try await factory.site.wait(for: id, timeout: 60)
        #expect(job.status.state == .finished, "\(job.status.errorDiag ?? "") \(factory.log)")
        let who = try String(contentsOfFile: factory.site.storageDirectory + "/user.jdoe/who.txt", encoding: .utf8)
        let lines = who.split(separator: "\n").map { $0.replacingOccurrences(of: "\t", with: " ") }
        #expect(lines.first == payloadUser.user, "\(who)")
        #expect(lines.contains("CapEff: 0000000000000000"), "the payload holds no capability: \(who)")
        #expect(lines.contains { $0.hasPrefix("Uid: \(pilotUser.uid) ") }, "its parent is the pilot, as \(pilotUser.user): \(who)")
        // CAP_CHOWN (0), CAP_DAC_OVERRIDE (1), CAP_KILL (5), CAP_SETGID (6), CAP_SETUID (7): nothing more.
        #expect(lines.contains("CapEff: 00000000000000e3"), "the pilot holds exactly the capabilities to switch: \(who)")
    }
}
