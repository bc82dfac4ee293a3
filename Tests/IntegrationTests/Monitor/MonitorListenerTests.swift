import Foundation
import PandaSystem
import Testing

/// The monitor's listener has the server's protections (one implementation,
/// `PandaListener`): a raised open-file limit, the connection limits and
/// the timeouts, from `monitor.connections`.
@Suite("panda monitor: listener protections")
struct MonitorListenerTests {
    @Test("1,100 idle connections to a monitor started with a soft limit of 1024 files leave /healthz answering")
    func manyIdleConnections() async throws {
        let files = OpenFileLimit.raiseToHard()
        try #require(files > 1_300, "this test needs a hard RLIMIT_NOFILE above 1300; it is \(files)")
        let setup = try MonitorSetup()
        defer { setup.stop() }
        try setup.startMonitor(softFileLimit: 1024)
        let idle = try (0..<1_100).map { _ in try RawConnection(port: setup.monitorPort) }
        for attempt in 1...3 {
            let probe = try RawConnection(port: setup.monitorPort)
            try probe.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            guard case .closed(let reply) = probe.readUntilClosed(within: 30) else {
                Issue.record("/healthz did not answer with 1,100 idle connections open (probe \(attempt))")
                return
            }
            #expect(reply.hasPrefix("HTTP/1.1 200 OK"), "\(reply)")
        }
        withExtendedLifetime(idle) {}
    }

    @Test("a silent connection to the monitor is closed after monitor.connections.header_timeout, and per_address applies")
    func timeoutsAndPerAddress() throws {
        let setup = try MonitorSetup(monitor: "connections: { header_timeout: 1s, per_address: 3 }")
        defer { setup.stop() }
        try setup.startMonitor()
        let silent = try RawConnection(port: setup.monitorPort)
        #expect(silent.readUntilClosed(within: 20) == .closed(""), "a connection that never sends a byte is closed")
        // From 127.0.0.3, which the harness's own probes do not use.
        let held = try (0..<3).map { _ in try RawConnection(port: setup.monitorPort, source: "127.0.0.3") }
        for connection in held {
            try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(connection.readReply(within: 10).hasPrefix("HTTP/1.1 200 OK"))
        }
        let fourth = try RawConnection(port: setup.monitorPort, source: "127.0.0.3")
        guard case .closed(let reply) = fourth.readUntilClosed(within: 20) else {
            Issue.record("a fourth connection from one address was not refused")
            return
        }
        #expect(reply.hasPrefix("HTTP/1.1 429 Too Many Requests"), "\(reply)")
        withExtendedLifetime(held) {}
    }
}
