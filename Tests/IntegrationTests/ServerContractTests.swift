import Foundation
import PandaCore
import TestSupport
import Testing

/// The API holds clients to its contract as strictly as the configuration
/// language holds operators to theirs: one meaning per body, JSON only, the
/// methods the spec lists, and no internal error text in replies.
@Suite("panda server: the contract, strictly")
struct ServerContractTests {
    func expectRefusal(_ reply: ServerProcess.Reply, _ status: Int, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == status, "\(reply.message)", sourceLocation: sourceLocation)
        #expect(reply.json["success"] as? Bool == false, sourceLocation: sourceLocation)
        #expect(reply.json.keys.contains("data"), sourceLocation: sourceLocation)
        #expect(reply.message == message, sourceLocation: sourceLocation)
    }

    @Test("a body naming one key twice, even spelt with an escape, gets 400, at any depth")
    func duplicateKeys() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let path = "/api/v1/job/submit"
        func body(_ text: String) -> Data { Data(text.utf8) }
        expectRefusal(try await server.send("POST", path, token: user, body: body(#"{"jobs": [], "jobs": []}"#)), 400,
                      "duplicate key 'jobs' in one JSON object")
        expectRefusal(try await server.send("POST", path, token: user, body: body(#"{"jobs": [], "j\u006fbs": []}"#)), 400,
                      "duplicate key 'jobs' in one JSON object")
        let nested = #"{"jobs": [{"name": "a", "payload": {"executable": "/bin/true", "executable": "/bin/sh"}}]}"#
        expectRefusal(try await server.send("POST", path, token: user, body: body(nested)), 400,
                      "duplicate key 'executable' in one JSON object")
        // Equal keys in different objects, and equal values, are fine.
        let fine = #"{"jobs": [{"name": "name", "payload": {"executable": "/bin/true"}}, {"name": "b", "payload": {"executable": "/bin/true"}}]}"#
        #expect(try await server.send("POST", path, token: user, body: body(fine)).status == 200)
        // A large object is checked in linear time, and still caught at its end.
        let keys = (0..<50_000).map { "\"k\($0)\": 0" }.joined(separator: ", ")
        expectRefusal(try await server.send("POST", path, token: user, body: body("{\(keys), \"k7\": 1}")), 400,
                      "duplicate key 'k7' in one JSON object")
    }

    @Test("JSON nested past 32 levels gets 400 before it is decoded")
    func depth() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let deep = String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        expectRefusal(try await server.send("POST", "/api/v1/job/submit", token: user, body: Data(deep.utf8)), 400,
                      "JSON nests deeper than 32 levels")
        #expect(try await server.get("/healthz", token: nil).status == 200)
    }

    @Test("a body without Content-Type: application/json gets 415 on every JSON route")
    func contentType() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let body = try JSONSerialization.data(withJSONObject: ["jobs": [jobJSON()]])
        for (type, expected) in [(nil, "no Content-Type"), ("application/x-www-form-urlencoded", "Content-Type 'application/x-www-form-urlencoded'"),
                                 ("text/plain", "Content-Type 'text/plain'")] {
            var arguments = ["-s", "-X", "POST", "-H", "Authorization: Bearer \(user)", "--data-binary", String(decoding: body, as: UTF8.self)]
            arguments += ["-H", "Content-Type: \(type ?? "")"]
            arguments.append("http://127.0.0.1:\(server.port)/api/v1/job/submit")
            let reply = try PandaProcess.runTool("/usr/bin/curl", arguments + ["-w", "\n%{http_code}"])
            #expect(reply.stdout.hasSuffix("\n415"), "\(type ?? "none"): \(reply.stdout)")
            #expect(reply.stdout.contains("expected a body with 'Content-Type: application/json'; got \(expected)"), "\(reply.stdout)")
        }
        let charset = try PandaProcess.runTool("/usr/bin/curl", [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Authorization: Bearer \(user)",
            "-H", "Content-Type: Application/JSON; charset=utf-8", "--data-binary", String(decoding: body, as: UTF8.self),
            "http://127.0.0.1:\(server.port)/api/v1/job/submit"])
        #expect(charset.stdout == "200", "parameters and case do not matter")
        #expect(try await server.count(jobsOf: user) == 1, "the refused bodies made no jobs")
    }

    @Test("TRACE and other methods a known path does not serve get 405 with Allow; unknown paths 404")
    func methods() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        for (method, path, allow) in [("TRACE", "/healthz", "GET"), ("GET", "/api/v1/job/submit", "POST"), ("DELETE", "/api/v1/jobs", "GET"),
                                      ("PUT", "/api/v1/pilot/update_job", "POST")] {
            let reply = try await server.send(method, path, token: user, body: nil)
            expectRefusal(reply, 405, "\(method) is not allowed on \(path); use \(allow)")
            #expect(reply.headers["allow"] == allow)
        }
        expectRefusal(try await server.send("TRACE", "/api/v1/nothing", token: user, body: nil), 404, "no such endpoint: TRACE /api/v1/nothing")
    }

    @Test("a failure of the server's own answers with a request id, never the error text, and logs the text under that id")
    func internalFailure() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        // Another process holds SQLite's write lock past the store's 10 s busy timeout.
        let locker = try SQLiteLocker.hold(server.databasePath, for: 14)
        defer { locker.wait() }
        let reply = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON()]])
        #expect(reply.status == 503)
        let id = try #require(reply.json["request_id"] as? String)
        #expect(reply.headers["x-request-id"] == id)
        #expect(reply.message == "the database failed; quote request id \(id) to the operator")
        #expect(!reply.message.lowercased().contains("sqlite") && !reply.message.contains("locked"))
        let logged = server.log_().split(separator: "\n").first { $0.contains(id) }.map(String.init) ?? ""
        #expect(logged.contains("store failed") && logged.lowercased().contains("locked"), "the log keeps the text: \(logged)")
    }

    @Test("update_job accepts timings with any step left out, as the spec allows")
    func partialTimings() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let (_, pilot, job) = try await server.dispatchedJob()
        let base: [String: Any] = ["job_id": job.id, "attempt": job.attempt, "lease": job.lease]
        let empty = try await server.post("/api/v1/pilot/update_job", token: pilot, json: base.merging(["state": "running", "timings": [:]]) { $1 })
        #expect(empty.status == 200, "\(empty.message)")
        let some = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                         json: base.merging(["state": "finished", "exit_code": 0, "timings": ["payload": 2.5]]) { $1 })
        #expect(some.status == 200, "\(some.message)")
    }
}

extension ServerProcess {
    /// How many jobs the token's user has, by the list the user sees.
    func count(jobsOf token: String) async throws -> Int {
        let reply = try await get("/api/v1/jobs", token: token)
        let data = reply.json["data"] as? [String: Any]
        return (data?["jobs"] as? [Any])?.count ?? -1
    }
}
