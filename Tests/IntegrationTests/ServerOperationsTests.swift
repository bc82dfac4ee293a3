import Foundation
import PandaCore
import Testing

@Suite("panda server: TLS, queue status, overload")
struct ServerOperationsTests {
    @Test("with server.tls it speaks HTTPS with the given certificate")
    func tls() async throws {
        let directory = NSTemporaryDirectory() + "panda-tls-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try SelfSignedCertificate.make(in: directory)
        let server = try ServerProcess(server: "tls: { cert: \(pair.cert), key: \(pair.key) }", start: false)
        defer { server.cleanUp() }
        try server.start(scheme: "https", caFile: pair.cert)
        let verified = try PandaProcess.runTool("/usr/bin/curl", ["-sS", "--cacert", pair.cert, "https://127.0.0.1:\(server.port)/healthz"])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains(#""success":true"#))
        let plain = try PandaProcess.runTool("/usr/bin/curl", ["-sS", "http://127.0.0.1:\(server.port)/healthz"])
        #expect(plain.status != 0, "plain HTTP must not be answered on a TLS port")
    }

    @Test("without TLS the server refuses a non-loopback address unless insecure is set")
    func insecureRefused() throws {
        let server = try ServerProcess(start: false)
        defer { server.cleanUp() }
        let text = try String(contentsOfFile: server.configPath, encoding: .utf8)
        try text.replacingOccurrences(of: "listen: 127.0.0.1:", with: "listen: 0.0.0.0:").write(toFile: server.configPath, atomically: true, encoding: .utf8)
        let refused = try PandaProcess.run(["server", "-c", server.configPath])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("server.listen: listening on 0.0.0.0 without TLS exposes tokens to the network"))
    }

    @Test("test queues get only jobs that name them, brokeroff keeps serving, offline serves nothing")
    func queueStatus() async throws {
        let queues = """
            sites:
              S:
                queues:
                  ON: { status: online }
                  TEST: { status: test }
                  OFF: { status: offline }
                  DRAIN: { status: brokeroff }
            """
        let server = try ServerProcess(queues: queues)
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let admin = try server.token("ops", scope: "admin")
        let brokered = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": (0..<20).map { jobJSON("j\($0)") }])
            .decode(SubmitResult.self)
        #expect(Set(brokered.jobs.map(\.queue)) == ["ON"], "brokerage uses online queues only")
        #expect(try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON(queue: "TEST")]]).status == 200)
        let off = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON(queue: "OFF")]])
        #expect(off.message == "jobs[0]: queue OFF is offline")
        let drain = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON(queue: "DRAIN")]])
        #expect(drain.message == "jobs[0]: queue DRAIN is brokeroff and takes no new jobs")
        let offline = try await server.post("/api/v1/pilot/acquire_jobs", token: admin, json: acquireJSON(queue: "OFF"))
        #expect(offline.message == "queue OFF is offline")
        #expect(try await server.acquire(token: admin, queue: "TEST") != nil)
    }

    @Test("past limits.in_flight, pilots get 429 with Retry-After, and nothing is lost")
    func overload() async throws {
        let server = try ServerProcess(server: "limits: { in_flight: 2 }")
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let pilot = try server.token("p", scope: "pilot", queues: ["Q1"])
        _ = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": (0..<300).map { jobJSON("j\($0)", queue: "Q1") }])
        let replies = try await withThrowingTaskGroup(of: [ServerProcess.Reply].self) { group in
            for _ in 0..<48 {
                group.addTask {
                    var replies: [ServerProcess.Reply] = []
                    for _ in 0..<10 { replies.append(try await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquireJSON())) }
                    return replies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let busy = replies.filter { $0.status == 429 }
        #expect(!busy.isEmpty, "48 pilots against a limit of 2 must be shed")
        #expect(busy.allSatisfy { $0.headers["retry-after"] == "1" && !$0.success })
        #expect(replies.allSatisfy { $0.status == 200 || $0.status == 429 })
        let handed = try replies.filter { $0.status == 200 }.flatMap { try $0.decode(AcquireResult.self).jobs.map(\.id) }
        #expect(Set(handed).count == handed.count)
        let summary = try await server.get("/api/v1/stats/summary", token: user).decode(StateSummary.self)
        #expect(summary.count(queue: "Q1", state: .sent) == handed.count, "every shed request changed nothing")
    }
}
