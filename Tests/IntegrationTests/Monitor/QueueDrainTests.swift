import Foundation
import PandaSystem
import Testing
import TestSupport

/// An operator drains a queue without editing YAML: `panda queue drain Q`.
@Suite("panda queue drain|online")
struct QueueDrainTests {
    @Test("an admin drains a queue: brokerage stops, panda and the monitor show it, it holds over a reload and a restart, and online undoes it")
    func drain() async throws {
        let monitorPort = try ServerProcess.freePort()
        let server = try ServerProcess(queues: ServerProcess.queues + "\nmonitor:\n  listen: 127.0.0.1:\(monitorPort)\n")
        defer { server.cleanUp() }
        let admin = try server.token("ops", scope: "admin")
        let user = try server.token("alice", scope: "submit")
        let url = "http://127.0.0.1:\(server.port)"
        func panda(_ arguments: [String], token: String) throws -> PandaProcess.Result {
            try PandaProcess.run(arguments + ["--server", url, "--token", token])
        }
        func submitToQ2() async throws -> ServerProcess.Reply {
            try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON(queue: "Q2")]])
        }
        func q2Line() throws -> String {
            try panda(["queue", "list"], token: user).stdout.components(separatedBy: "\n").first { $0.hasPrefix("Q2 ") } ?? ""
        }

        let refused = try panda(["queue", "drain", "Q2"], token: user)
        #expect(refused.status == 1 && refused.stderr.contains("scope admin"), "\(refused.stderr)")
        let unknown = try panda(["queue", "drain", "NOPE"], token: admin)
        #expect(unknown.status == 1 && unknown.stderr.contains("queue NOPE does not exist"), "\(unknown.stderr)")
        #expect(try await submitToQ2().status == 200)

        let drained = try panda(["queue", "drain", "Q2"], token: admin)
        #expect(drained.status == 0 && drained.stdout.contains("Q2: brokeroff (the configuration says online)"), "\(drained.stdout)\(drained.stderr)")
        let named = try await submitToQ2()
        #expect(named.status == 400 && named.message.contains("brokeroff"), "\(named.message)")
        #expect(try q2Line().split(separator: " ", omittingEmptySubsequences: true).prefix(4) == ["Q2", "brokeroff", "online", "ops"])

        // A reload of the files keeps it; so does a restart.
        server.process?.signal(SIGHUP)
        waitForLine("catalogue reloaded", in: server.logPath)
        #expect(try await submitToQ2().status == 400)
        server.terminate()
        try server.start()
        #expect(try await submitToQ2().status == 400)
        #expect(try q2Line().contains("brokeroff"))

        // The monitor shows the server's status, not its own configuration's.
        let monitor = try MonitorSetup.startMonitor(for: server, url: "http://127.0.0.1:\(monitorPort)")
        defer { _ = monitor.terminate() }
        let queues = try Chromium.render("http://127.0.0.1:\(monitorPort)/queues", screenshot: "queues-drained")
        let q2Row = try #require(DOM.rows(DOM.element("queues", in: queues.dom)).first { DOM.cells($0).first == "Q2" }.map(DOM.cells))
        #expect(q2Row[1] == "brokeroff")
        let page = try Chromium.render("http://127.0.0.1:\(monitorPort)/queues/Q2")
        #expect(DOM.text(page.dom).contains("Status: brokeroff (set by ops at"), "\(DOM.text(page.dom).prefix(800))")

        let online = try panda(["queue", "online", "Q2"], token: admin)
        #expect(online.status == 0 && online.stdout.contains("Q2: online"), "\(online.stdout)\(online.stderr)")
        #expect(try await submitToQ2().status == 200)
    }
}
