import Foundation
import PandaCore
import Testing

/// Each watch stops a misbehaving payload with its PanDA error code, and
/// nothing of the payload is left running.
@Suite("pilot: watches", .serialized)
struct PilotWatchTests {
    static let queues = [
        "PQ: { write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB, maxtime: 1h }",
        "LOOP: { write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB, looping_limit: 2s }",
        "NOISY: { write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB, stdout_limit: 100KB }",
        "TINYDISK: { write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 2MB }",
        "TINYMEM: { write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 64MB, maxwdir: 1GB }",
    ]

    /// Runs one job that writes its pid to a file first, and checks the
    /// result and that its process is gone.
    func stopped(_ script: String, queue: String, walltime: String? = nil) async throws -> JobDescription {
        let site = try PilotSite(queues: Self.queues)
        defer { site.cleanUp() }
        let pidFile = site.server.directory + "/payload.pid"
        let id = try await site.submit([shellJob("echo $$ > \(pidFile); " + script, queue: queue, walltime: walltime)])[0]
        let started = Date()
        let pilot = try site.runPilot(queue, timeout: 60)
        #expect(pilot.status == 0, "\(pilot.log)")
        #expect(Date().timeIntervalSince(started) < 30, "the watch stopped the payload well before it would have ended")
        let job = try await site.wait(for: id)
        if let pid = try? String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           let number = pid_t(pid) {
            #expect(!processExists(number), "the payload process \(number) is gone")
        } else {
            Issue.record("the payload never started")
        }
        return job
    }

    @Test("walltime exceeded: 1213")
    func walltime() async throws {
        let job = try await stopped("sleep 120", queue: "PQ", walltime: "2s")
        #expect(job.status.state == .failed)
        #expect(job.status.errorCode == 1213, "\(job.status.errorDiag ?? "")")
    }

    @Test("looping payload (no file modified for the looping limit): 1150")
    func looping() async throws {
        let job = try await stopped("sleep 120", queue: "LOOP")
        #expect(job.status.errorCode == 1150, "\(job.status.errorDiag ?? "")")
    }

    @Test("stdout over the queue's limit: 1106")
    func stdoutTooBig() async throws {
        let job = try await stopped("head -c 1000000 /dev/zero; sleep 120", queue: "NOISY")
        #expect(job.status.errorCode == 1106, "\(job.status.errorDiag ?? "")")
    }

    @Test("work directory over maxwdir: 1104")
    func workDirectoryTooBig() async throws {
        let job = try await stopped("head -c 8000000 /dev/urandom > big.dat; sleep 120", queue: "TINYDISK")
        #expect(job.status.errorCode == 1104, "\(job.status.errorDiag ?? "")")
    }

    @Test("resident memory of the payload's processes over maxrss: 1235")
    func memory() async throws {
        let job = try await stopped("python3 -c 'import time; x = b\"x\" * (200 * 1024 * 1024); time.sleep(120)'", queue: "TINYMEM")
        #expect(job.status.errorCode == 1235, "\(job.status.errorDiag ?? "")")
        // Over the queue's maxrss, 64MB (decimal): the watch samples, so the peak it saw may be anywhere above it.
        #expect((job.maxRSS?.bytes ?? 0) > 64_000_000)
    }

    @Test("a kill from the server reaches the payload through the heartbeat; the job ends cancelled")
    func killFromServer() async throws {
        let site = try PilotSite(queues: Self.queues)
        defer { site.cleanUp() }
        let pidFile = site.server.directory + "/payload.pid"
        let id = try await site.submit([shellJob("echo $$ > \(pidFile); sleep 120", queue: "PQ")])[0]
        let pilot = try site.pilot("PQ", arguments: ["--idle-timeout", "0s"])
        try await site.wait(for: id, state: .running)
        let kill = try await site.server.post("/api/v1/job/kill", token: site.user, json: ["job_ids": [id]])
        #expect(kill.status == 200)
        try pilot.wait(timeout: 30)
        let job = try await site.wait(for: id)
        #expect(job.status.state == .cancelled)
        let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!processExists(pid))
    }
}
