import Foundation
import PandaCore
import PandaSystem
import TestSupport
import Testing

/// Issue 21, items 3–5: workers where pilot and payload run as the same
/// user. By default a pilot refuses that shape; accepted
/// (`pilot.shared_uid: accept`), the pilot still keeps its token off disk
/// and out of the payload's environment and measures the walltime on its
/// own clock (what it keeps for recovery: `PilotRecoveryAreaTests`). Real
/// pilots and payloads throughout.
@Suite("pilot: payloads under the pilot's own uid", .serialized)
struct PilotSharedUIDTests {
    static let queue = "SQ: { write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB, maxtime: 1h }"

    static func tokenFile(_ site: PilotSite, _ name: String = "pilot.token") throws -> String {
        let path = site.server.directory + "/" + name
        try #require(site.pilotTokens["SQ"]).write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    /// The part of a JWT only its holder knows.
    static func signature(_ site: PilotSite) -> String {
        String(site.pilotTokens["SQ"]?.split(separator: ".").last ?? "")
    }

    static func stored(_ site: PilotSite, _ name: String) -> String {
        String(decoding: FileManager.default.contents(atPath: site.storageDirectory + "/user.jdoe/" + name) ?? Data(), as: UTF8.self)
    }

    @Test("without a payload user the pilot refuses to start unless the site accepts a shared uid; the token file is left for a pilot set up right")
    func refusedByDefault() async throws {
        let site = try PilotSite(queues: [Self.queue], sharedUID: nil)
        defer { site.cleanUp() }
        let id = try await site.submit([shellJob("true", queue: "SQ")])[0]
        let token = try Self.tokenFile(site)
        let refused = try site.pilot("SQ", arguments: ["--idle-timeout", "0s", "--token-file", token], tokenInEnvironment: false)
        try refused.wait(timeout: 60)
        #expect(refused.status == 1, "\(refused.log)")
        #expect(refused.log.contains("refusing to start: payloads would run under the pilot's own uid"), "\(refused.log)")
        #expect(refused.log.contains("pilot.shared_uid: accept"), "\(refused.log)")
        #expect(FileManager.default.fileExists(atPath: token), "a refusing pilot does not consume its token file")
        #expect(try await site.describe(id).status.state == .activated)

        let accepted = try site.pilot("SQ", arguments: ["--idle-timeout", "0s", "--token-file", token, "--shared-uid", "accept"],
                                      tokenInEnvironment: false)
        try accepted.wait(timeout: 60)
        #expect(try await site.wait(for: id).status.state == .finished, "\(accepted.log)")
        #expect(accepted.log.contains("payloads run as root, so they can read everything the pilot can"), "\(accepted.log)")
        #expect(!FileManager.default.fileExists(atPath: token), "removed once read")
    }

    @Test("with a shared uid the token never stays on disk: --keep-token-file and a file the pilot cannot remove are refused")
    func tokenFileRefusals() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let id = try await site.submit([shellJob("true", queue: "SQ")])[0]
        let token = try Self.tokenFile(site)
        let kept = try site.pilot("SQ", arguments: ["--idle-timeout", "0s", "--token-file", token, "--keep-token-file"],
                                  tokenInEnvironment: false)
        try kept.wait(timeout: 60)
        #expect(kept.status == 1, "\(kept.log)")
        #expect(kept.log.contains("--keep-token-file would leave \(token) readable by payloads"), "\(kept.log)")

        // A 0400 file even root cannot unlink: as a token in a directory the pilot may not write.
        let unremovable = try site.pilot("SQ", arguments: ["--idle-timeout", "0s", "--token-file", "/proc/self/environ"],
                                         tokenInEnvironment: false)
        try unremovable.wait(timeout: 60)
        #expect(unremovable.status == 1, "\(unremovable.log)")
        #expect(unremovable.log.contains("cannot remove the token file /proc/self/environ once read"), "\(unremovable.log)")
        #expect(try await site.describe(id).status.state == .activated, "no payload ran")
    }

    @Test("with a shared uid the payload finds neither CREDENTIALS_DIRECTORY nor the token file, and a token by descriptor is closed")
    func tokenOutOfReach() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        // As systemd's LoadCredential= hands it over, in a writable directory here.
        let credentials = site.server.directory + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let token = try Self.tokenFile(site, "credentials/token")
        let probe = """
            { env; cat "$CREDENTIALS_DIRECTORY/token" \(token); echo "fd0=$(readlink /proc/$PPID/fd/0)"; } > probe.txt 2>&1; true
            """
        let first = try await site.submit([shellJob(probe, queue: "SQ", outputs: ["probe.txt"])])[0]
        let pilot = try site.pilot("SQ", arguments: ["--once", "--idle-timeout", "0s", "--token-file", token],
                                   environment: ["CREDENTIALS_DIRECTORY": credentials], tokenInEnvironment: false)
        try pilot.wait(timeout: 60)
        #expect(try await site.wait(for: first).status.state == .finished, "\(pilot.log)")
        let found = Self.stored(site, "probe.txt")
        #expect(!found.contains("CREDENTIALS_DIRECTORY"), "the payload's environment names the credentials: \(found)")
        #expect(!found.contains(Self.signature(site)), "the token leaked: \(found)")
        #expect(!FileManager.default.fileExists(atPath: token))

        // The token on standard input (systemd's StandardInput=file:): read, then /dev/null in its place.
        let second = try await site.submit([shellJob(probe.replacingOccurrences(of: "probe.txt", with: "probe2.txt"), queue: "SQ",
                                                     outputs: ["probe2.txt"])])[0]
        let byDescriptor = try Self.tokenFile(site, "stdin.token")
        let fdPilot = try site.pilot("SQ", arguments: ["--once", "--idle-timeout", "0s", "--token-fd", "0"], tokenInEnvironment: false,
                                     stdin: byDescriptor)
        try fdPilot.wait(timeout: 60)
        #expect(try await site.wait(for: second).status.state == .finished, "\(fdPilot.log)")
        let viaDescriptor = Self.stored(site, "probe2.txt")
        #expect(viaDescriptor.contains("fd0=/dev/null"), "\(viaDescriptor)")
    }

    @Test("a payload that stops its pilot (same uid) past the walltime and ends while it is stopped fails for walltime (1213)")
    func stoppedPilotStillTimesTheWalltime() async throws {
        // Watches far apart: the payload's end, not a watch, is what the pilot sees first when it runs again.
        let site = try PilotSite(queues: [Self.queue], watchInterval: "1m")
        defer { site.cleanUp() }
        // $PPID is the pilot (the payload is its child). A helper continues it
        // 6 s later; the payload itself exits while the pilot is stopped.
        let script = "p=$PPID; setsid sh -c \"sleep 6; kill -CONT $p\" </dev/null >/dev/null 2>&1 & kill -STOP $p; sleep 3; exit 0"
        let id = try await site.submit([shellJob(script, queue: "SQ", walltime: "2s")])[0]
        let pilot = try site.runPilot("SQ")
        let job = try await site.wait(for: id)
        #expect(job.status.state == .failed, "\(pilot.log)")
        #expect(job.status.errorCode == ErrorCode.walltimeExceeded.number, "\(job.status.errorDiag ?? "")")
        #expect(job.status.errorDiag?.contains("past its walltime") == true, "\(job.status.errorDiag ?? "")")
    }

    @Test("as a payload user (the default shape), a payload can neither signal its pilot nor write the storage or recovery area",
          .enabled(if: SystemUser.isRoot, "switching identity needs root (CI runs as root); skipped as another user"))
    func separateUserCannotReach() async throws {
        _ = try SystemUser.ensure("panda-test-pay1")
        let site = try PilotSite(queues: [Self.queue], pilot: "  payload_user: panda-test-pay1", sharedUID: nil)
        defer { site.cleanUp() }
        let first = try await site.submit([shellJob("echo original > kept.dat", queue: "SQ", outputs: ["kept.dat"])])[0]
        _ = try site.runPilot("SQ")
        #expect(try await site.wait(for: first).status.state == .finished)
        let storedFile = site.storageDirectory + "/user.jdoe/kept.dat"
        let recovery = site.server.directory + "/recovery"
        let probe = """
            {
              kill -STOP $PPID; echo "stop=$?"
              kill -KILL $PPID; echo "kill=$?"
              echo forged > \(storedFile); echo "overwrite=$?"
              mkdir -m 777 \(recovery); echo "mkdir=$?"
            } > probe.txt 2>&1; true
            """
        let second = try await site.submit([shellJob(probe, queue: "SQ", outputs: ["probe.txt"])])[0]
        let pilot = try site.runPilot("SQ")
        #expect(pilot.status == 0, "\(pilot.log)")
        #expect(try await site.wait(for: second).status.state == .finished, "\(pilot.log)")
        let found = Self.stored(site, "probe.txt")
        for step in ["stop", "kill", "overwrite", "mkdir"] {
            #expect(!found.contains("\(step)=0"), "\(step) succeeded: \(found)")
        }
        #expect(FileManager.default.contents(atPath: storedFile) == Data("original\n".utf8))
        #expect(pilot.log.contains("payloads run as panda-test-pay1"), "\(pilot.log)")
    }
}
