import Foundation
import PandaCore
import PandaServer
import Testing

/// Tokens can be revoked by id or text; the running server honours the deny
/// list within seconds and from its first request after a restart.
@Suite("panda server: token revocation and validity")
struct TokenRevocationTests {
    /// The token's id, as `panda token verify` explains it.
    static func id(of token: String, server: ServerProcess) throws -> String {
        let explained = try PandaProcess.run(["token", "verify", "-c", server.configPath, token])
        let line = try #require(explained.stdout.split(separator: "\n").first { $0.contains("  id ") })
        return String(line.split(separator: " ").last!)
    }

    /// Polls until the token is refused; the server reads the deny list every 2 s.
    static func waitUntilRefused(_ token: String, server: ServerProcess) async throws -> ServerProcess.Reply {
        let deadline = Date().addingTimeInterval(30)
        while true {
            let reply = try await server.get("/api/v1/stats/summary", token: token)
            if reply.status != 200 || Date() > deadline { return reply }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    @Test("panda token list shows issued tokens; a revoked one is refused by the running server and after a restart")
    func revokeByID() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let bob = try server.token("bob", scope: "submit")
        #expect(try await server.get("/api/v1/stats/summary", token: alice).status == 200, "cached as verified")
        let id = try Self.id(of: alice, server: server)

        let listed = try PandaProcess.run(["token", "list", "-c", server.configPath])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains(id))
        #expect(listed.stdout.contains("bob"))

        let revoked = try PandaProcess.run(["token", "revoke", "-c", server.configPath, id])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdout.contains("revoked token \(id)"))
        let refused = try await Self.waitUntilRefused(alice, server: server)
        #expect(refused.status == 401)
        #expect(refused.message == "token \(id) was revoked")
        #expect(try await server.get("/api/v1/stats/summary", token: bob).status == 200, "other tokens still work")
        #expect(!(try PandaProcess.run(["token", "list", "-c", server.configPath]).stdout.contains(id)), "gone from the valid list")
        #expect(try PandaProcess.run(["token", "list", "--all", "-c", server.configPath]).stdout.contains(id))

        server.terminate()
        try server.start()
        #expect(try await server.get("/api/v1/stats/summary", token: alice).status == 401, "denied from the first request after a restart")
    }

    @Test("panda token verify calls a revoked token invalid, with exit 1")
    func verifyRevoked() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let id = try Self.id(of: alice, server: server)
        #expect(try PandaProcess.run(["token", "revoke", "-c", server.configPath, id]).status == 0)
        let verified = try PandaProcess.run(["token", "verify", "-c", server.configPath, alice])
        #expect(verified.status == 1, "\(verified.stdout)")
        #expect(!verified.stdout.contains("valid token"))
        #expect(verified.stderr.contains("invalid token: token \(id) was revoked"), "\(verified.stderr)")
    }

    @Test("panda token issue never makes a signing key; only the server's first start or panda token init does")
    func issueMakesNoKey() throws {
        let server = try ServerProcess(start: false)
        defer { server.cleanUp() }
        let key = server.directory + "/state/signing.key"
        let minted = try PandaProcess.run(["token", "issue", "-c", server.configPath, "--user", "alice", "--scope", "submit"])
        #expect(minted.status == 1)
        #expect(minted.stdout.isEmpty, "no token printed: \(minted.stdout)")
        #expect(minted.stderr.contains("no signing key at \(key)"), "\(minted.stderr)")
        #expect(!FileManager.default.fileExists(atPath: key), "minting made a key")
        let verified = try PandaProcess.run(["token", "verify", "-c", server.configPath, "a.b.c"])
        #expect(verified.status == 1 && !FileManager.default.fileExists(atPath: key), "neither does verify")

        let made = try PandaProcess.run(["token", "init", "-c", server.configPath])
        #expect(made.status == 0, "\(made.stderr)")
        let first = try Data(contentsOf: URL(fileURLWithPath: key))
        let again = try PandaProcess.run(["token", "init", "-c", server.configPath])
        #expect(again.status == 1 && again.stderr.contains("exists already"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: key)) == first, "the key is never replaced")
        let token = try server.token("alice", scope: "submit")
        try server.start()
        #expect(try PandaProcess.run(["token", "verify", "-c", server.configPath, token]).status == 0)
    }

    @Test("a token given whole is revoked, pilot tokens a factory minted included")
    func revokeByText() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let factory = try server.token("factory-1", scope: "factory", queues: ["Q1"])
        let minted = try await server.post("/api/v1/factory/pilot_token", token: factory, json: ["queue": "Q1"])
        let pilot = try #require((minted.data as? [String: Any])?["token"] as? String)
        #expect(try await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquireJSON()).status == 200)
        #expect(try PandaProcess.run(["token", "list", "-c", server.configPath]).stdout.contains("pilot@factory-1"))
        let revoked = try PandaProcess.run(["token", "revoke", "-c", server.configPath, pilot])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try await Self.waitUntilRefused(pilot, server: server).status == 401)
        #expect(try await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquireJSON()).status == 401)
    }

    @Test("revoking a factory token revokes the pilot tokens it minted, in the running server and after a restart",
          arguments: ["sqlite", "postgres"])
    func revokeMinter(database: String) async throws {
        let url = try database == "postgres" ? ServerProcess.postgresDatabase() : "sqlite:state/panda.db"
        let server = try ServerProcess(database: url)
        defer { server.cleanUp() }
        let factory = try server.token("factory-1", scope: "factory", queues: ["Q1"])
        let otherFactory = try server.token("factory-2", scope: "factory", queues: ["Q1"])
        func mint(_ factory: String) async throws -> String {
            let minted = try await server.post("/api/v1/factory/pilot_token", token: factory, json: ["queue": "Q1"])
            return try #require((minted.data as? [String: Any])?["token"] as? String, "\(minted.message)")
        }
        let pilot = try await mint(factory)
        let otherPilot = try await mint(otherFactory)
        // Read while it is valid: token verify explains a revoked token no further than that.
        let pilotID = try Self.id(of: pilot, server: server)
        let acquire = "/api/v1/pilot/acquire_jobs"
        #expect(try await server.post(acquire, token: pilot, json: acquireJSON()).status == 200, "cached as verified")
        let revoked = try PandaProcess.run(["token", "revoke", "-c", server.configPath, factory])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let deadline = Date().addingTimeInterval(30)
        var refused = try await server.post(acquire, token: pilot, json: acquireJSON())
        while refused.status == 200 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            refused = try await server.post(acquire, token: pilot, json: acquireJSON())
        }
        #expect(refused.status == 401, "\(refused.message)")
        #expect(refused.message.contains("was revoked"), "\(refused.message)")
        #expect(try await server.post(acquire, token: otherPilot, json: acquireJSON()).status == 200, "another factory's pilots still work")
        // The store revoked it too: gone from the valid list, and denied from the first request after a restart.
        #expect(!(try PandaProcess.run(["token", "list", "-c", server.configPath]).stdout.contains(pilotID)))
        server.terminate()
        try server.start()
        #expect(try await server.post(acquire, token: pilot, json: acquireJSON()).status == 401)
        #expect(try await server.post(acquire, token: otherPilot, json: acquireJSON()).status == 200)
    }

    @Test("tokens not yet valid, from another issuer or without an id are refused")
    func validity() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let signer = TokenSigner(key: try SigningKey.loadOrCreate(at: server.directory + "/state/signing.key"))
        let now = Int64(Date().timeIntervalSince1970)
        let good = TokenClaims(subject: "alice", scope: .submit, queues: [], issuedAt: now, expiresAt: now + 3600)
        #expect(try await server.get("/api/v1/stats/summary", token: try signer.sign(good)).status == 200)

        var future = good
        future.id = "a1"
        future.issuedAt = now + 3600
        future.expiresAt = now + 7200
        var notBefore = good
        notBefore.id = "a2"
        notBefore.notBefore = now + 3600
        var foreign = good
        foreign.id = "a3"
        foreign.issuer = "someone-else"
        var anonymous = good
        anonymous.id = ""
        for (claims, message) in [(future, "not valid before"), (notBefore, "not valid before"),
                                  (foreign, "issuer 'someone-else'"), (anonymous, "no token id")] {
            let reply = try await server.get("/api/v1/stats/summary", token: try signer.sign(claims))
            #expect(reply.status == 401)
            #expect(reply.message.contains(message), "\(reply.message)")
        }
    }
}
