import Foundation
import PandaCore
import Testing
import TestSupport

/// `/pilots` and the job page with a real factory: the local pilots it
/// started appear one by one with their batch ids, states, times and the
/// jobs they ran, and a job's page names the batch id its pilot ran under.
@Suite("panda monitor: a real factory's pilots", .serialized)
struct MonitorPilotTests {
    static let local = "LQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB, maxtime: 1h, "
        + "batch: { system: local, slots: 2 }, pilots: { max: 2, queued: 0, per_cycle: 2, walltime: 2h } }"

    @Test("/pilots lists each pilot the factory started with batch id, state, times and jobs run; the job page shows its batch id")
    func factoryPilots() async throws {
        let port = try ServerProcess.freePort()
        let factory = try FactorySite(queues: [Self.local], top: "monitor: { listen: 127.0.0.1:\(port) }", server: "stats_interval: 200ms")
        defer { factory.cleanUp() }
        let ids = try await factory.site.submit((0..<4).map { shellJob("echo \($0)", queue: "LQ", name: "p\($0)") })
        try factory.start()
        var pilotOf: [Int64: String] = [:]
        for id in ids {
            let job = try await factory.site.wait(for: id, timeout: 60)
            #expect(job.status.state == .finished)
            pilotOf[id] = try #require(job.pilot)
        }
        // The factory reports every second, the sampler counts ended attempts every 200 ms.
        let admin = try factory.site.server.token("ops", scope: "admin")
        var pilots: [FactoryPilot] = []
        for _ in 0..<100 {
            pilots = try await factory.site.server.get("/api/v1/factory/pilots?queue=LQ", token: admin).decode(PilotReports.self).pilots ?? []
            if pilots.reduce(0, { $0 + ($1.jobsRun ?? 0) }) == ids.count { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(Set(pilots.map(\.name)).isSuperset(of: Set(pilotOf.values)), "\(pilots) \(factory.log)")
        #expect(pilots.reduce(0) { $0 + ($1.jobsRun ?? 0) } == ids.count)
        #expect(pilots.allSatisfy { !$0.batchID.isEmpty && $0.queue == "LQ" && $0.batchSystem == .local && $0.factory == "factory-1" })

        let url = "http://127.0.0.1:\(port)"
        let monitor = try MonitorSetup.startMonitor(for: factory.site.server, url: url)
        defer { _ = monitor.terminate() }
        let page = try Chromium.render(url + "/pilots", screenshot: "pilots-factory")
        #expect(page.consoleErrors == [])
        let rows = DOM.rows(DOM.element("pilot-list", in: page.dom)).dropFirst().map(DOM.cells)
        for pilot in pilots {
            let row = try #require(rows.first { $0.first == pilot.batchID }, "no row for \(pilot.batchID) in \(page.dom.prefix(3000))")
            #expect(row[1] == pilot.name && row[3] == "LQ" && row[5] == pilot.state)
            #expect(row[10] == String(pilot.jobsRun ?? 0))
        }

        // Filters, in JSON too; a state that is not one is refused.
        let someState = try #require(pilots.first?.state)
        let filtered = try json(url + "/pilots?queue=LQ&state=\(someState)")
        let listed = try #require(filtered["pilots"] as? [[String: Any]])
        #expect(!listed.isEmpty && listed.allSatisfy { $0["state"] as? String == someState && $0["queue"] as? String == "LQ" })
        #expect(listed.count == pilots.count { $0.state == someState })
        #expect((try json(url + "/pilots?queue=NOPE")["pilots"] as? [Any])?.isEmpty == true)
        #expect(try PandaProcess.runTool("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", url + "/pilots?state=bogus"]).stdout == "400")

        // The job page: the pilot and the batch id its attempt ran under.
        let job = try #require(ids.first)
        let expected = try #require(pilots.first { $0.name == pilotOf[job] }?.batchID)
        let jobPage = try Chromium.render(url + "/jobs/\(job)", screenshot: "job-batch-id")
        let batch = try #require(DOM.matches("<span id=\"batch-id\">([^<]*)</span>", in: jobPage.dom).first)
        #expect(batch[1] == expected)
        let attempts = DOM.rows(DOM.element("attempts", in: jobPage.dom)).dropFirst().map(DOM.cells)
        #expect(attempts.first?[3] == pilotOf[job] && attempts.first?[4] == expected)
        let described = try json(url + "/jobs/\(job)")["job"] as? [String: Any]
        #expect(described?["batch_id"] as? String == expected)
    }

    @Test("a factory's report with more pilots than server.limits.pilots_per_report is refused with 413, one of a foreign queue with 403")
    func boundedReport() async throws {
        let server = try ServerProcess(server: "limits: { pilots_per_report: 3 }")
        defer { server.cleanUp() }
        let factory = try server.token("factory@test", scope: "factory", queues: ["Q1"])
        func report(_ count: Int, queue: String = "Q1") async throws -> Int {
            let pilots = (0..<count).map { index -> [String: Any] in
                ["batch_id": "\(100 + index)", "name": "pilot-\(index)", "queue": queue, "batch_system": "slurm", "state": "queued",
                 "submitted_at": 1_700_000_000 + index]
            }
            return try await server.post("/api/v1/factory/report_pilots", token: factory, json: [
                "factory": "f", "queues": [] as [Any], "pilots": pilots,
            ]).status
        }
        #expect(try await report(4) == 413)
        #expect(try await report(1, queue: "Q2") == 403)
        #expect(try await report(3) == 200)
        let reader = try server.token("reader", scope: "read")
        let listed = try await server.get("/api/v1/factory/pilots", token: reader).decode(PilotReports.self).pilots ?? []
        #expect(listed.map(\.batchID) == ["102", "101", "100"])
        #expect(try await server.get("/api/v1/factory/pilots?state=lost", token: reader).status == 400)
    }

    func json(_ url: String) throws -> [String: Any] {
        let body = try PandaProcess.runTool("/usr/bin/curl", ["-s", "-H", "Accept: application/json", url]).stdout
        return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["data"] as? [String: Any] ?? [:]
    }
}
