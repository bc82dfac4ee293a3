import Foundation
import Testing
import TestSupport

/// Issue 21, item 15: what the server knows of its own insides (the
/// database's error text, the decoder's, file modes) stays with the
/// operator; a client without a token learns only that something failed.
@Suite("internal detail stays inside: error text and file modes")
struct InternalDetailTests {
    /// A JWT over `payload` signed with the server's key, whatever the payload says.
    static func signed(_ payload: String, server: ServerProcess) throws -> String {
        let script = """
            import base64, hashlib, hmac, sys
            key = open(sys.argv[1], 'rb').read()
            b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b'=').decode()
            body = b64(b'{"alg":"HS256","typ":"JWT"}') + '.' + b64(sys.argv[2].encode())
            print(body + '.' + b64(hmac.new(key, body.encode(), hashlib.sha256).digest()))
            """
        let result = try PandaProcess.runTool("/usr/bin/python3", ["-c", script, server.directory + "/state/signing.key", payload])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("a 401 for a signed token with claims that are not panda's says which claim, never the decoder's text")
    func decodingErrorText() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let now = Int(Date().timeIntervalSince1970)
        for payload in [#"{"sub":"x","scope":"superuser","iat":\#(now),"exp":\#(now + 600),"jti":"j1","iss":"panda"}"#,
                        #"{"scope":"submit","iat":\#(now),"exp":\#(now + 600),"jti":"j2","iss":"panda"}"#,
                        #"{"sub":["x"],"scope":"submit","iat":"soon","exp":\#(now + 600),"jti":"j3","iss":"panda"}"#] {
            let reply = try await server.get("/api/v1/stats/summary", token: try Self.signed(payload, server: server))
            #expect(reply.status == 401)
            #expect(reply.message.hasPrefix("malformed token: claims are not panda's"), "\(reply.message)")
            for leak in ["DecodingError", "CodingKeys", "Context(", "codingPath", "Swift."] {
                #expect(!reply.message.contains(leak), "\(reply.message)")
            }
        }
    }

    @Test("/healthz while the database fails says so without the database's error text, which the log keeps")
    func healthzText() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        // Long enough for the health probe to wait out the store's 10 s busy timeout and fail.
        let locker = try SQLiteLocker.hold(server.databasePath, for: 25)
        var refusals: [String] = []
        while locker.isRunning {
            let reply = try await server.get("/healthz", token: nil)
            if reply.status == 503 { refusals.append(reply.message) }
            try await Task.sleep(for: .milliseconds(500))
        }
        locker.wait()
        #expect(!refusals.isEmpty, "the probe never failed while the write lock was held")
        for message in Set(refusals) {
            #expect(!message.lowercased().contains("sqlite") && !message.contains("locked") && !message.contains("database error"), "\(message)")
        }
        let logged = server.log_()
        #expect(logged.contains("health probe failed") && logged.contains("locked"), "the log keeps the text: \(logged.suffix(2000))")
    }

    @Test("the database file the server creates is 0600, with its -wal, and its state directory 0700, whatever the umask")
    func fileModes() async throws {
        let server = try ServerProcess(start: false)
        defer { server.cleanUp() }
        try server.start()
        // A write, so the -wal file exists too.
        let user = try server.token("alice", scope: "submit")
        #expect(try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON()]]).status == 200)
        func mode(_ path: String) -> mode_t? {
            var info = stat()
            return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
        }
        #expect(mode(server.databasePath) == 0o600)
        #expect(mode(server.databasePath + "-wal") == 0o600)
        #expect(mode(server.directory + "/state") == 0o700)
        #expect(mode(server.directory + "/state/signing.key") == 0o600)
    }
}
