import Foundation
import PandaCore
import Testing

@Suite("panda server: tokens and scopes")
struct ServerAuthTests {
    @Test("requests without, with forged, or with expired tokens get 401")
    func authentication() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        #expect(try await server.get("/api/v1/stats/summary", token: nil).status == 401)
        let token = try server.token("alice", scope: "submit")
        let forged = String(token.dropLast(4)) + "AAAA"
        let reply = try await server.get("/api/v1/stats/summary", token: forged)
        #expect(reply.status == 401)
        #expect(reply.message == "token signature does not match this server's key")
        let other = try ServerProcess()
        defer { other.cleanUp() }
        #expect(try await server.get("/api/v1/stats/summary", token: try other.token("alice", scope: "submit")).status == 401,
                "a token from another server's key")
    }

    @Test("each scope reaches only its own endpoints")
    func scopes() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let pilot = try server.token("p", scope: "pilot", queues: ["Q1"])
        let reader = try server.token("monitor", scope: "read")
        #expect(try await server.post("/api/v1/pilot/acquire_jobs", token: user, json: acquireJSON()).status == 403)
        #expect(try await server.post("/api/v1/job/submit", token: pilot, json: ["jobs": [jobJSON()]]).status == 403)
        #expect(try await server.post("/api/v1/job/submit", token: reader, json: ["jobs": [jobJSON()]]).status == 403)
        let otherQueue = try await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquireJSON(queue: "Q2"))
        #expect(otherQueue.status == 403)
        #expect(otherQueue.message == "this pilot token is for Q1, not Q2")
    }

    @Test("a user sees and kills only their own jobs; a reader sees all; an admin kills any")
    func ownership() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let bob = try server.token("bob", scope: "submit")
        let reader = try server.token("monitor", scope: "read")
        let admin = try server.token("ops", scope: "admin")
        let id = try #require(try await server.post("/api/v1/job/submit", token: alice, json: ["jobs": [jobJSON()]])
            .decode(SubmitResult.self).jobs.first?.id)
        #expect(try await server.post("/api/v1/job/get_status", token: bob, json: ["job_ids": [id]]).decode([JobStatus].self).isEmpty)
        #expect(try await server.post("/api/v1/job/get_description", token: bob, json: ["job_id": id]).status == 404)
        #expect(try await server.get("/api/v1/jobs", token: bob).decode(JobPage.self).jobs.isEmpty)
        #expect(try await server.get("/api/v1/jobs?owner=alice", token: bob).status == 403)
        #expect(try await server.post("/api/v1/job/kill", token: bob, json: ["job_ids": [id]]).decode([KillResult].self).first?.outcome == .notFound)
        #expect(try await server.get("/api/v1/jobs", token: reader).decode(JobPage.self).jobs.map(\.id) == [id])
        #expect(try await server.post("/api/v1/job/kill", token: admin, json: ["job_ids": [id]]).decode([KillResult].self).first?.outcome == .cancelled)
    }

    @Test("a factory mints pilot tokens for its queues only, and they work")
    func factoryPilotTokens() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let factory = try server.token("factory-1", scope: "factory", queues: ["Q1"])
        let minted = try await server.post("/api/v1/factory/pilot_token", token: factory, json: ["queue": "Q1"])
        #expect(minted.status == 200)
        let pilotToken = try #require((minted.data as? [String: Any])?["token"] as? String)
        #expect(try await server.post("/api/v1/pilot/acquire_jobs", token: pilotToken, json: acquireJSON()).status == 200)
        #expect(try await server.post("/api/v1/factory/pilot_token", token: factory, json: ["queue": "Q2"]).status == 403)
        let demand = try await server.get("/api/v1/factory/queue_demand", token: factory).decode(QueueDemandResult.self)
        #expect(demand.queues.map(\.queue) == ["Q1"])
    }

    @Test("panda token verify explains a token and refuses a bad one")
    func verify() throws {
        let server = try ServerProcess(start: false)
        defer { server.cleanUp() }
        #expect(try PandaProcess.run(["token", "init", "-c", server.configPath]).status == 0, "before the server's first start")
        let token = try server.token("alice", scope: "pilot", queues: ["Q1"], lifetime: "2h")
        let good = try PandaProcess.run(["token", "verify", "-c", server.configPath, token])
        #expect(good.status == 0)
        #expect(good.stdout.contains("subject  alice"))
        #expect(good.stdout.contains("queues   Q1"))
        let bad = try PandaProcess.run(["token", "verify", "-c", server.configPath, token + "x"])
        #expect(bad.status == 1)
        let key = try FileManager.default.attributesOfItem(atPath: server.directory + "/state/signing.key")
        #expect((key[.posixPermissions] as? Int) == 0o600)
    }
}
