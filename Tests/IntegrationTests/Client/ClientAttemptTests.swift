import Foundation
import PandaCore
import Testing

/// `panda show` and `panda logs` tell attempts apart: a retried job shows
/// each attempt's outcome, and its log is the current attempt's.
@Suite("panda show and logs: one record per attempt")
struct ClientAttemptTests {
    @Test("show lists each attempt's outcome; logs refuses the first attempt's log as the second's")
    func attemptsApart() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let alice = try ClientUser("alice", server: server)
        let (_, pilot, first) = try await server.dispatchedJob(maxAttempts: 2)
        let log = StoredFile(lfn: "job.log.tgz", size: 10, checksum: "ad:00000001", url: "/tmp/panda-test-storage/user.alice/job.log.tgz",
                             isLog: true, storage: "DISK", scope: "user.alice")
        let failed = JobUpdate(jobID: first.id, attempt: 1, lease: first.lease, state: .failed, exitCode: 3, errorCode: 1099,
                               errorDiag: "no input", cpuSeconds: 2.5, outputs: [log])
        #expect(try await server.post("/api/v1/pilot/update_job", token: pilot, failed).decode(UpdateReply.self).state == .activated)
        let second = try #require(try await server.acquire(token: pilot))
        _ = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                  JobUpdate(jobID: second.id, attempt: 2, lease: second.lease, state: .running))

        let shown = try alice.panda(["show", String(first.id)])
        #expect(shown.status == 0, "\(shown.stderr)")
        let lines = shown.stdout.split(separator: "\n").map(String.init)
        let one = try #require(lines.first { $0.contains("#1  failed") }, "\(shown.stdout)")
        #expect(one.contains("exit 3") && one.contains("1099") && one.contains("cpu 2.5 s") && one.contains("log"))
        let two = try #require(lines.first { $0.contains("#2  running") }, "\(shown.stdout)")
        #expect(!two.contains("exit") && !two.contains("cpu"), "attempt 2 has no figures of its own yet: \(two)")
        #expect(!lines.contains { $0.hasPrefix("  exit code:") }, "the current attempt has no exit code")

        let logs = try alice.panda(["logs", String(first.id)])
        #expect(logs.status == 1)
        #expect(logs.stderr.contains("attempt 2 of job \(first.id) has no stored log tarball"), "\(logs.stderr)")
        #expect(logs.stderr.contains("--attempt 1"), "\(logs.stderr)")
    }
}
