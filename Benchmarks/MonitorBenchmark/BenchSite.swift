import BenchSupport
import Foundation

/// A release `panda server` and `panda monitor` over one SQLite file in a
/// directory of their own, 200 queues at 4 sites; removed by `remove()`.
final class BenchSite {
    static let queues = (0..<200).map { String(format: "Q%03d", $0) }
    static let sites = 4

    let panda: String
    let directory = NSTemporaryDirectory() + "panda-monitor-bench-\(UUID().uuidString.prefix(8))"
    let serverPort = freePort()
    let monitorPort = freePort()
    var config: String { directory + "/panda.yaml" }
    var database: String { directory + "/panda.db" }
    private var server: BenchProcess?
    private var monitor: BenchProcess?

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
        server = try BenchProcess.start(panda, ["server", "-c", config, "--log-level", "warning"], in: directory, log: "server.log")
        try server?.waitUntilServing(port: serverPort, what: "server")
    }

    func stopServer() {
        server?.stop()
        server = nil
    }

    func startMonitor() throws {
        let credential = directory + "/monitor.token"
        try token("monitor", scope: "read").write(toFile: credential, atomically: true, encoding: .utf8)
        chmod(credential, 0o600)
        monitor = try BenchProcess.start(panda, ["monitor", "-c", config, "--log-level", "warning"], in: directory, log: "monitor.log")
        try monitor?.waitUntilServing(port: monitorPort, what: "monitor")
    }

    func token(_ user: String, scope: String, queues: [String] = []) throws -> String {
        try BenchProcess.issueToken(panda, config: config, user: user, scope: scope, queues: queues)
    }

    func remove() {
        monitor?.stop()
        server?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
