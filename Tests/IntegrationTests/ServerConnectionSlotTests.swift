import Foundation
import Testing

/// Connection slots against one client that would take them all: a limit
/// per source address, a write timeout for a client that never reads, and
/// the last slots kept for pilots.
@Suite("panda server: connection slots per address, write timeout, pilot reserve")
struct ServerConnectionSlotTests {
    static let healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    @Test("past server.connections.per_address a connection from that address gets 429; other addresses are served")
    func perAddress() throws {
        let server = try ServerProcess(server: "connections: { max: 100, per_address: 4 }")
        defer { server.cleanUp() }
        // From 127.0.0.3, which nothing else here uses (the harness's own
        // client may keep a connection from 127.0.0.1).
        let client = "127.0.0.3"
        let held = try (0..<4).map { _ in try RawConnection(port: server.port, source: client) }
        for connection in held {
            try connection.send(Self.healthz)
            #expect(connection.readReply(within: 10).hasPrefix("HTTP/1.1 200 OK"))
        }
        let fifth = try RawConnection(port: server.port, source: client)
        guard case .closed(let reply) = fifth.readUntilClosed(within: 20) else {
            Issue.record("a fifth connection from \(client) was not refused")
            return
        }
        #expect(reply.hasPrefix("HTTP/1.1 429 Too Many Requests"), "\(reply)")
        #expect(reply.contains(#""success":false"#) && reply.contains("Retry-After: 5"))
        let other = try RawConnection(port: server.port, source: "127.0.0.2")
        try other.send(Self.healthz)
        #expect(other.readReply(within: 10).hasPrefix("HTTP/1.1 200 OK"), "another address is not held back")
        #expect(server.log_().components(separatedBy: "server.connections.per_address").count == 2, "one line per episode")
        withExtendedLifetime(held) {}
    }

    @Test("a client that sends requests and never reads the answers is closed after server.connections.write_timeout")
    func neverReads() throws {
        let server = try ServerProcess(server: "connections: { write_timeout: 1s, header_timeout: 1h, body_timeout: 1h, idle_timeout: 1h }")
        defer { server.cleanUp() }
        let connection = try RawConnection(port: server.port, buffers: 4096)
        let burst = Array(String(repeating: Self.healthz, count: 1_000).utf8)
        // Pipelined requests until the connection goes, or until the server
        // stops taking them after enough were sent that their answers cannot
        // all fit in the kernel's buffers (so they back up behind a client
        // that reads nothing). A stall before that is a loaded machine's
        // slowness, not back-pressure: keep sending, on a bound of progress.
        let enough = 8 << 20
        var stalledSince: Date?
        var total = 0
        var pending = burst[...]   // a partial send continues where it stopped, so requests stay whole
        while total < 256 << 20 {
            guard let sent = connection.sendWithoutWaiting(Array(pending)) else { break }
            total += sent
            if sent > 0 {
                pending = pending.dropFirst(sent)
                if pending.isEmpty { pending = burst[...] }
                stalledSince = nil
            } else if let since = stalledSince {
                let stalled = Date().timeIntervalSince(since)
                if (total >= enough && stalled > 3) || stalled > 300 { break }
                usleep(20_000)
            } else {
                stalledSince = Date()
            }
        }
        #expect(connection.closedByPeer(within: 60), "the connection is still open after \(total) bytes of requests were sent and none of the answers read")
    }

    @Test("in the last server.connections.pilot_reserve slots only a request with a pilot token is served")
    func pilotReserve() throws {
        let server = try ServerProcess(server: "connections: { max: 8, per_address: 8, pilot_reserve: 4 }")
        defer { server.cleanUp() }
        let pilot = try server.token("p", scope: "pilot", queues: ["Q1"])
        let user = try server.token("alice", scope: "submit")
        // Below the reserve a request needs no token. The harness's own
        // client may hold one more connection, so the last two held ones
        // carry a pilot's token (served either way) and the next
        // connection is in the reserve whatever that client does.
        let held = try (0..<4).map { _ in try RawConnection(port: server.port) }
        for (index, connection) in held.enumerated() {
            try connection.send(index < 2 ? Self.healthz : "GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(pilot)\r\n\r\n")
            #expect(connection.readReply(within: 10).hasPrefix("HTTP/1.1 200 OK"))
        }
        for token in [nil, user, "not.a.token"] {
            let reserved = try RawConnection(port: server.port)
            let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
            try reserved.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\(authorization)\r\n")
            guard case .closed(let reply) = reserved.readUntilClosed(within: 20) else {
                Issue.record("a connection in the reserve without a pilot token was served and kept")
                continue
            }
            #expect(reply.hasPrefix("HTTP/1.1 503 Service Unavailable"), "\(reply)")
            #expect(reply.contains("for pilots"))
        }
        let pilotConnection = try RawConnection(port: server.port)
        for _ in 0..<2 {   // and the kept-alive connection stays served
            try pilotConnection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(pilot)\r\n\r\n")
            #expect(pilotConnection.readReply(within: 10).hasPrefix("HTTP/1.1 200 OK"))
        }
        withExtendedLifetime(held) {}
    }
}
