import Foundation
import PandaSystem
import Synchronization

/// A real PostgreSQL 15 for the tests: one server per test process, made
/// with `initdb` in a temporary directory and started with `pg_ctl` on a
/// Unix socket in that directory (no TCP port), stopped when the process
/// exits. Each test takes a fresh database of its own.
///
/// ```swift
/// let server = try PostgresTestServer.shared()
/// let database = try server.createDatabase()       // t_<random>, empty
/// // connect as server.user through the socket in server.socketDirectory
/// ```
/// PostgreSQL refuses to run as root, as CI runs: then its commands run as
/// the `postgres` system user (made by Debian's package), through runuser,
/// in a directory that user owns. Missing binaries are an error that says
/// what to install; `PANDA_TEST_POSTGRES=off` is the one way to leave
/// PostgreSQL out (`PostgresTestServer.isEnabled`).
public final class PostgresTestServer: Sendable {
    public static let binaries = "/usr/lib/postgresql/15/bin"
    /// The socket's directory: connect with host=<this>, or `postgres://panda@/DB?host=<this>`.
    public let socketDirectory: String
    public let port: Int
    /// The database superuser the tests connect as (trust authentication on the socket only).
    public let user = "panda"
    private let root: String
    private let runAs: String?

    /// False only when PANDA_TEST_POSTGRES=off: then the suites run on SQLite alone.
    public static var isEnabled: Bool { ProcessInfo.processInfo.environment["PANDA_TEST_POSTGRES"] != "off" }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    private static let state = Mutex<Result<PostgresTestServer, Failure>?>(nil)

    /// The process's server, started on first use; a start that failed fails every caller the same way.
    public static func shared() throws -> PostgresTestServer {
        try state.withLock { state in
            if let state { return try state.get() }
            let result = Result { () throws(Failure) -> PostgresTestServer in try PostgresTestServer() }
            state = result
            if case .success = result {
                atexit { PostgresTestServer.stopShared() }
            }
            return try result.get()
        }
    }

    private static func stopShared() {
        guard case .success(let server)? = state.withLock({ $0 }) else { return }
        server.stop()
    }

    /// A server of its own that also listens on 127.0.0.1:`tcpPort`, without
    /// SSL (initdb's default), as a site's PostgreSQL on the same host may be;
    /// stop it with `shutdown()`.
    public static func listening(onTCPPort tcpPort: Int) throws -> PostgresTestServer {
        try PostgresTestServer(tcpPort: tcpPort)
    }

    public func shutdown() {
        stop()
    }

    private init(tcpPort: Int? = nil) throws(Failure) {
        port = tcpPort ?? 5432
        guard FileManager.default.isExecutableFile(atPath: "\(Self.binaries)/initdb"),
              FileManager.default.isExecutableFile(atPath: "\(Self.binaries)/pg_ctl") else {
            throw Failure("""
                PostgreSQL 15 is not installed (no \(Self.binaries)/initdb): the store tests run every suite against it. \
                Install it with scripts/install-deps (Debian's postgresql), or set PANDA_TEST_POSTGRES=off to test SQLite alone.
                """)
        }
        root = NSTemporaryDirectory() + "panda-pg-\(UUID().uuidString.prefix(8))"
        socketDirectory = root
        if geteuid() == 0 {
            guard let account = getpwnam("postgres") else {
                throw Failure("running as root, and PostgreSQL refuses root: the tests need the postgres system user (Debian's postgresql package makes it)")
            }
            runAs = "postgres"
            mkdir(root, 0o700)
            chown(root, account.pointee.pw_uid, account.pointee.pw_gid)
        } else {
            runAs = nil
            mkdir(root, 0o700)
        }
        try run("initdb", ["-D", "\(root)/data", "-U", user, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"])
        // Only the socket in our directory: no TCP port, so parallel test processes
        // never collide (unless a test asks for a port it chose free).
        let listen = tcpPort.map { "-c listen_addresses=127.0.0.1 -p \($0)" } ?? "-c listen_addresses=''"
        let options = "-k \(root) \(listen) -c max_connections=200 -c shared_buffers=32MB"
        try run("pg_ctl", ["start", "-w", "-t", "60", "-D", "\(root)/data", "-l", "\(root)/postgres.log", "-o", options])
    }

    /// Makes an empty database and returns its name.
    public func createDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try run("createdb", ["-h", socketDirectory, "-p", String(port), "-U", user, name])
        return name
    }

    /// `postgres://…` for this server and `database`, as server.database takes it.
    public func url(database: String) -> String {
        "postgres://\(user)@/\(database)?host=\(socketDirectory)"
    }

    private func stop() {
        try? run("pg_ctl", ["stop", "-m", "fast", "-D", "\(root)/data"])
        try? FileManager.default.removeItem(atPath: root)
    }

    private func run(_ tool: String, _ arguments: [String]) throws(Failure) {
        let log = NSTemporaryDirectory() + "panda-pg-\(tool)-\(UUID().uuidString)"
        defer { unlink(log) }
        let path = "\(Self.binaries)/\(tool)"
        let (executable, argv) = runAs.map { ("/usr/sbin/runuser", ["-u", $0, "--", path] + arguments) } ?? (path, arguments)
        let status: Int32
        do {
            let child = try ChildProcess.spawn(executable, argv, environment: ["PATH": "/usr/bin:/bin", "LANG": "C"], stdout: log,
                                               directory: runAs == nil ? nil : "/")
            status = child.wait()
        } catch {
            throw Failure("cannot run \(tool): \(error)")
        }
        if runAs != nil { chmod(log, 0o644) }
        guard status == 0 else {
            let server = SmallFile.text("\(root)/postgres.log") ?? ""
            throw Failure("\(tool) \(arguments.joined(separator: " ")) exited \(status): \(SmallFile.text(log) ?? "")\(server.isEmpty ? "" : "\nserver log:\n" + server)")
        }
    }
}
