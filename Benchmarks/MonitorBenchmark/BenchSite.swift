import Foundation

/// A release `panda server` and `panda monitor` over one SQLite file in a
/// directory of their own, 200 queues at 4 sites; removed by `remove()`.
final class BenchSite {
    static let queues = (0..<200).map { String(format: "Q%03d", $0) }
    static let sites = 4

    let panda: String
    let directory = NSTemporaryDirectory() + "panda-monitor-bench-\(UUID().uuidString.prefix(8))"
    let serverPort = 28000 + Int.random(in: 0..<1000)
    let monitorPort = 29000 + Int.random(in: 0..<1000)
    var config: String { directory + "/panda.yaml" }
    var database: String { directory + "/panda.db" }
    private var server: Process?
    private var monitor: Process?

    init(panda: String) throws {
        self.panda = panda
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let sites = (0..<Self.sites).map { site -> String in
            let queues = Self.queues.enumerated().filter { $0.offset % Self.sites == site }.map { _, name in
                "      \(name): { read_from: [DISK\(site)], write_to: DISK\(site), copytools: [cp], corecount: 8, maxrss: 16GB, "
                    + "batch: { system: local }, pilots: { max: 10 } }"
            }
            return "  SITE\(site):\n    storage: { DISK\(site): { url: \(directory)/storage\(site) } }\n    queues:\n" + queues.joined(separator: "\n")
        }
        try """
            server:
              listen: 127.0.0.1:\(serverPort)
              database: sqlite:panda.db
              signing_key: signing.key
            monitor:
              listen: 127.0.0.1:\(monitorPort)
              server: http://127.0.0.1:\(serverPort)
              credential: \(directory)/monitor.token
              page_size: 50
            sites:
            \(sites.joined(separator: "\n"))
            """.write(toFile: config, atomically: true, encoding: .utf8)
    }

    func startServer() throws {
        server = try spawn(["server", "-c", config, "--log-level", "warning"], log: "server.log")
        try waitFor(port: serverPort, path: "/healthz", what: "server")
    }

    func stopServer() {
        stop(server)
        server = nil
    }

    func startMonitor() throws {
        let credential = directory + "/monitor.token"
        try token("monitor", scope: "read").write(toFile: credential, atomically: true, encoding: .utf8)
        chmod(credential, 0o600)
        monitor = try spawn(["monitor", "-c", config, "--log-level", "warning"], log: "monitor.log")
        try waitFor(port: monitorPort, path: "/healthz", what: "monitor")
    }

    func token(_ user: String, scope: String, queues: [String] = []) throws -> String {
        try run(panda, ["token", "issue", "-c", config, "--user", user, "--scope", scope] + queues.flatMap { ["--queue", $0] })
    }

    func remove() {
        stop(monitor)
        stop(server)
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func spawn(_ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: panda)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        _ = FileManager.default.createFile(atPath: directory + "/" + log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/" + log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    private func stop(_ process: Process?) {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    private func waitFor(port: Int, path: String, what: String) throws {
        for _ in 0..<600 {
            if let connection = try? HTTPGet(port: port), let reply = try? connection.get(path), reply.status == 200 { return }
            usleep(50_000)
        }
        let log = (try? String(contentsOfFile: directory + "/\(what).log", encoding: .utf8)) ?? ""
        throw BenchmarkError("the \(what) did not start: \(log)")
    }
}

func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchmarkError("\(executable) \(arguments) failed") }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
