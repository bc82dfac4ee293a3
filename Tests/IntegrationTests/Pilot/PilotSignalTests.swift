import Foundation
import PandaCore
import Testing

/// Signals from the batch system: the payload is stopped, the job reported
/// with the signal's code, the pilot exits within seconds.
@Suite("pilot: signals", .serialized)
struct PilotSignalTests {
    static let queue = "PQ: { write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB, maxtime: 1h }"

    func signalled(_ signal: Int32, code: Int) async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let pidFile = site.server.directory + "/payload.pid"
        // The payload's child ignores SIGTERM: only the grace period's SIGKILL ends it.
        let id = try await site.submit([shellJob("echo $$ > \(pidFile); sh -c 'trap \"\" TERM; sleep 120' & wait", queue: "PQ")])[0]
        let pilot = try site.pilot("PQ")
        try await site.wait(for: id, state: .running)
        let sent = Date()
        pilot.signal(signal)
        try pilot.wait(timeout: 20)
        #expect(Date().timeIntervalSince(sent) < 10, "exits within seconds")
        #expect(pilot.status == 128 + signal, "\(pilot.log)")
        let job = try await site.wait(for: id)
        #expect(job.status.state == .failed)
        #expect(job.status.errorCode == code, "\(job.status.errorDiag ?? "")")
        let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!processExists(pid))
        // Nothing of the payload's group is left running either.
        #expect(liveProcesses(inGroup: pid).isEmpty, "left running: \(liveProcesses(inGroup: pid))")
    }

    @Test("SIGTERM: 1201") func term() async throws { try await signalled(SIGTERM, code: 1201) }
    @Test("SIGINT: 1208") func int() async throws { try await signalled(SIGINT, code: 1208) }
    @Test("SIGUSR1: 1207") func usr1() async throws { try await signalled(SIGUSR1, code: 1207) }
    @Test("SIGXCPU: 1204") func xcpu() async throws { try await signalled(SIGXCPU, code: 1204) }

    @Test("a signal while idle ends the pilot at once")
    func idle() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let pilot = try site.pilot("PQ", arguments: ["--idle-timeout", "5m"])
        try await Task.sleep(for: .milliseconds(700))
        pilot.signal(SIGTERM)
        try pilot.wait(timeout: 5)
        #expect(pilot.status == 128 + SIGTERM)
    }
}
