import Testing
@testable import PandaConfig

/// `server.database: postgres://…`: every part a server connects with is
/// read from the URL, and every mistake is refused with what was expected.
@Suite("PostgreSQL database URLs")
struct PostgresURLTests {
    @Test("TCP with port and sslmode, TCP defaulting to verify-full, and the Unix socket forms")
    func forms() throws {
        let tcp = try PostgresURL(parsing: "postgres://panda@db.example.org:6432/jobs?sslmode=require")
        #expect(tcp.user == "panda" && tcp.location == .tcp(host: "db.example.org") && tcp.port == 6432)
        #expect(tcp.database == "jobs" && tcp.sslMode == .require)
        let secure = try PostgresURL(parsing: "postgresql://panda@[::1]/jobs")
        #expect(secure.location == .tcp(host: "::1") && secure.port == 5432 && secure.sslMode == .verifyFull)
        let socket = try PostgresURL(parsing: "postgres://panda@/jobs?host=%2Ftmp%2Fpg%20dir&port=5433")
        #expect(socket.location == .socket(directory: "/tmp/pg dir") && socket.port == 5433 && socket.sslMode == .disable)
        let debian = try PostgresURL(parsing: "postgres://panda@/jobs")
        #expect(debian.location == .socket(directory: "/run/postgresql"))
        #expect(DatabaseURL.postgres(url: "postgres://panda@/jobs").postgres == debian)
    }

    @Test("a password, a missing user or database, an unknown sslmode or parameter, TLS on a socket are refused", arguments: [
        ("postgres://panda:pw@db/jobs", "carries a password"),
        ("postgres://db.example.org/jobs", "names no user"),
        ("postgres://panda@db.example.org/", "names no database"),
        ("postgres://panda@db.example.org", "names no database"),
        ("postgres://panda@db:99999/jobs", "port must be a number"),
        ("postgres://panda@db/jobs?sslmode=prefer", "sslmode must be disable, require or verify-full"),
        ("postgres://panda@db/jobs?connect_timeout=3", "unknown parameter 'connect_timeout'"),
        ("postgres://panda@/jobs?host=/run/postgresql&sslmode=verify-full", "does not apply to a Unix socket"),
        ("postgres://panda@db/jobs?host=/tmp", "names the host twice"),
        ("mysql://panda@db/jobs", "is not a postgres:// URL"),
    ])
    func refusals(text: String, reason: String) {
        #expect {
            _ = try PostgresURL(parsing: text)
        } throws: { error in
            String(describing: error).contains(reason)
        }
    }
}
