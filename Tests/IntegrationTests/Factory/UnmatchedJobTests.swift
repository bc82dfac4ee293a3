import Foundation
import PandaCore
import Testing
import TestSupport

/// A job no pilot can take is never silent: the acquire reply says why, the
/// pilot logs it, /metrics counts it per queue, `panda show` explains the
/// waiting job; and the obvious queue (pilots.walltime = maxtime) runs jobs
/// that name no walltime.
@Suite("jobs that fit no pilot")
struct UnmatchedJobTests {
    @Test("a queue whose pilots.walltime equals its maxtime runs a job submitted without a walltime, and config check says what it gets")
    func walltimeEqualsMaxtime() async throws {
        let factory = try FactorySite(queues: [
            "EQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB, maxtime: 1h, "
                + "batch: { system: local, slots: 1 }, pilots: { max: 1, queued: 0, per_cycle: 1, walltime: 1h } }",
        ])
        defer { factory.cleanUp() }
        let check = try PandaProcess.run(["config", "check", "-c", factory.site.server.configPath])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("note: queue EQ: maxtime is 1h but its pilots (pilots.walltime 1h) can give a job at most 53m; "
                                      + "jobs without a walltime get 53m"), "\(check.stdout)")
        #expect(check.stdout.contains("raise pilots.walltime to 1h7m"), "\(check.stdout)")
        // Asking for more than a pilot can give is refused at once, with both figures.
        let refused = try await factory.site.server.post("/api/v1/job/submit", token: factory.site.user,
                                                         json: ["jobs": [shellJob("true", queue: "EQ", walltime: "1h")]])
        #expect(refused.status == 400)
        #expect(refused.message.contains("needs 1h walltime, its pilots (pilots.walltime 1h) give a job at most 53m"), "\(refused.message)")

        let id = try await factory.site.submit([shellJob("echo fine", queue: "EQ")])[0]
        try factory.start()
        let job = try await factory.site.wait(for: id, timeout: 60)
        #expect(job.status.state == .finished, "\(job.status.errorDiag ?? "") \(factory.log)")
    }

    @Test("an acquire finding only jobs too big says which resource and by how much, /metrics counts it, show explains the job")
    func explainedAcquire() async throws {
        let site = try PilotSite(queues: ["BQ: { write_to: LOCAL, copytools: [cp], corecount: 8, maxrss: 8GB, maxwdir: 50GB, maxtime: 3h }"])
        defer { site.cleanUp() }
        let big: [String: Any] = ["name": "big", "queue": "BQ", "payload": ["executable": "/bin/true"],
                                  "resources": ["cores": 8, "memory": "8GB", "disk": "50GB", "walltime": "2h"]]
        let ids = try await site.submit([big, big, big])
        let pilot = try #require(site.pilotTokens["BQ"])
        // The empty claim of a pilot with nothing queued stays plain.
        let other = try await site.server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: [
            "queue": "BQ", "node": "n1", "cores": 8, "memory": "8GB", "disk": "50GB", "remaining": "3h", "n_jobs": 1, "pilot": "p-fits",
        ])
        #expect(try other.decode(AcquireResult.self).jobs.count == 1, "a pilot big enough gets one")

        let small = try await site.server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: [
            "queue": "BQ", "node": "n2", "cores": 4, "memory": "4GB", "disk": "50GB", "remaining": "59m59s", "n_jobs": 1, "pilot": "p-small",
        ])
        #expect(small.status == 200)
        #expect(try small.decode(AcquireResult.self).jobs.isEmpty)
        #expect(small.message == "2 activated jobs at BQ, none fits this pilot: 2 need 8 cores or more; this pilot has 4 cores; "
                + "2 need 8GB memory or more; this pilot has 4GB memory; 2 need 2h walltime or more; this pilot has 59m59s", "\(small.message)")

        let metrics = String(decoding: try await site.server.get("/metrics", token: nil).body, as: UTF8.self)
        for resource in ["cores", "memory", "walltime"] {
            #expect(metrics.contains(#"panda_acquire_unmatched_total{queue="BQ",resource="\#(resource)"} 1"#), "\(metrics)")
        }
        #expect(!metrics.contains(#"resource="disk""#), "disk was enough")

        let waiting = try await site.describe(ids[2])
        #expect(waiting.status.state == .activated)
        let why = try #require(waiting.waiting, "show explains a job pilots found too big")
        #expect(why.contains("pilots did not take it: it needs 8 cores, 8GB memory, 2h walltime; the last pilot of BQ to ask (p-small on n2"), "\(why)")
        #expect(why.contains("had 4 cores, 4GB memory, 59m59s"), "\(why)")
        let shown = try PandaProcess.run(["show", String(ids[2]), "--server", "http://127.0.0.1:\(site.server.port)"],
                                         environment: ["PANDA_TOKEN": site.user])
        #expect(shown.stdout.contains("waiting:    pilots did not take it"), "\(shown.stdout) \(shown.stderr)")
    }

    @Test("a real pilot with less time left than the queue's jobs need logs why it got nothing")
    func pilotLogsWhy() async throws {
        let site = try PilotSite(queues: ["TQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB, maxtime: 3h }"])
        defer { site.cleanUp() }
        _ = try await site.submit([shellJob("true", queue: "TQ", walltime: "2h")])
        let pilot = try site.runPilot("TQ", arguments: ["--lifetime", "30m"])
        #expect(pilot.log.contains("no job for this pilot: 1 activated job at TQ, none fits this pilot: 1 needs 2h walltime or more; this pilot has 26m"),
                "\(pilot.log)")
    }
}
