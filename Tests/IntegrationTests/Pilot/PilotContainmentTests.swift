import Foundation
import PandaCore
import PandaSystem
import TestSupport
import Testing

/// What a payload cannot do: outlive its job by leaving its process group,
/// or, when the pilot runs as root, read what the pilot protects.
@Suite("pilot: payload containment", .serialized)
struct PilotContainmentTests {
    static let queue = "PQ: { write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB, maxtime: 1h }"

    @Test("a process the payload double-forked into its own session does not outlive the job (the pilot is a subreaper)")
    func escapedProcess() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let pidFile = site.server.directory + "/escaped.pid"
        // The subshell forks, setsid forks again into a new session and
        // process group; the subshell exits, so the sleep is an orphan.
        let script = "(setsid sh -c 'echo $$ > \(pidFile); exec sleep 300' &); while [ ! -s \(pidFile) ]; do sleep 0.1; done"
        let id = try await site.submit([shellJob(script, queue: "PQ")])[0]
        let pilot = try site.runPilot("PQ")
        let job = try await site.wait(for: id)
        #expect(job.status.state == .finished, "\(pilot.log)")
        let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(pid, SIGKILL) }
        #expect(ProcessStat(pid: pid)?.group != pid || !processExists(pid), "the sleep left the payload's group")
        #expect(!processExists(pid), "the escaped process \(pid) still runs")
        #expect(pilot.log.contains("killed 1 process(es) the payload left behind"), "\(pilot.log)")
    }

    @Test("as root the payload runs as a payload user and cannot read the pilot's token, log, state or other jobs' work directories",
          .enabled(if: SystemUser.isRoot, "switching identity needs root (CI runs as root); skipped as another user"))
    func identitySwitch() async throws {
        let users = [try SystemUser.ensure("panda-test-pay1"), try SystemUser.ensure("panda-test-pay2")]
        let site = try PilotSite(queues: [Self.queue], pilot: "  payload_users: [panda-test-pay1, panda-test-pay2]")
        defer { site.cleanUp() }
        let token = try #require(site.pilotTokens["PQ"])
        let tokenFile = site.server.directory + "/pilot.token"
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        let secret = site.server.directory + "/pilot-secret.txt"
        try "the pilot user's secret".write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o600)
        // Two jobs side by side, each trying to read the other's work directory.
        func script(_ name: String) -> String {
            """
            echo "secret-of-$PANDA_JOB_ID" > secret.txt
            n=0
            while [ "$(ls -d "$PANDA_WORKDIR"/../panda_*[0-9a-f] | wc -l)" -lt 2 ] && [ $n -lt 150 ]; do sleep 0.1; n=$((n+1)); done
            {
              echo "uid=$(id -u)"
              cat \(tokenFile)
              cat \(secret)
              cat "$PANDA_WORKDIR.pilot/pilot.log"
              cat /proc/$PPID/environ
              ls \(site.stateDirectory)
              for d in "$PANDA_WORKDIR"/../panda_*[0-9a-f]; do [ "$d" = "$PANDA_WORKDIR" ] || cat "$d/secret.txt"; done
            } > \(name) 2>&1
            cat \(site.server.directory)/pilot-*.log \(site.server.directory)/state/signing.key >> \(name) 2>&1
            sleep 1; true
            """
        }
        let ids = try await site.submit([shellJob(script("a.txt"), queue: "PQ", name: "a", outputs: ["a.txt"]),
                                         shellJob(script("b.txt"), queue: "PQ", name: "b", outputs: ["b.txt"])])
        let pilots = try (0..<2).map { _ in
            try site.pilot("PQ", arguments: ["--once", "--idle-timeout", "0s", "--token-file", tokenFile, "--keep-token-file"])
        }
        for pilot in pilots { try pilot.wait(timeout: 60) }
        let logs = pilots.map(\.log).joined(separator: "\n")
        for (id, name) in zip(ids, ["a.txt", "b.txt"]) {
            let job = try await site.wait(for: id)
            #expect(job.status.state == .finished, "\(job.status.errorDiag ?? "") \(logs)")
            let found = String(decoding: FileManager.default.contents(atPath: site.storageDirectory + "/user.jdoe/" + name) ?? Data(), as: UTF8.self)
            #expect(users.contains { found.contains("uid=\($0.uid)\n") }, "ran as a payload user: \(found)")
            #expect(!found.contains(String(token.split(separator: ".").last ?? "")), "the token leaked: \(found)")
            #expect(!found.contains("the pilot user's secret"), "\(found)")
            #expect(!found.contains("attempt 1: /bin/sh"), "the pilot's log leaked: \(found)")
            #expect(!found.contains("PANDA_PILOT_TOKEN"), "the pilot's environment leaked: \(found)")
            #expect(!found.contains("outbox"), "the pilot's state directory was listed: \(found)")
            for other in ids where other != id { #expect(!found.contains("secret-of-\(other)"), "another job's work directory: \(found)") }
            #expect(found.contains("Permission denied"), "the reads were tried and refused: \(found)")
        }
        #expect(logs.contains("payloads run as panda-test-pay1"), "\(logs)")
        #expect(logs.contains("payloads run as panda-test-pay2"), "\(logs)")
    }

    @Test("root is refused as a payload user", .enabled(if: SystemUser.isRoot, "needs root to run a switching pilot"))
    func rootRefused() async throws {
        let site = try PilotSite(queues: [Self.queue], pilot: "  payload_user: root")
        defer { site.cleanUp() }
        let pilot = try site.runPilot("PQ")
        #expect(pilot.status == 1, "\(pilot.log)")
        #expect(pilot.log.contains("is root (uid 0)"), "\(pilot.log)")
    }
}
