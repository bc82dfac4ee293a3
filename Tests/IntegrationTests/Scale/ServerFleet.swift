import Foundation
import PandaClient
import PandaCore
import TestSupport

/// Several real `panda server` processes on one database, sharing one
/// signing key (as a deployment copies it to every server), so a token
/// minted on one works on all of them.
///
/// ```swift
/// let fleet = try ServerFleet(count: 3, database: try ServerProcess.postgresDatabase())
/// let pilot = PandaClient(servers: fleet.urls(first: 1), token: token)
/// ```
final class ServerFleet: @unchecked Sendable {
    let servers: [ServerProcess]

    init(count: Int, database: String, server: String = "") throws {
        var servers: [ServerProcess] = []
        do {
            let first = try ServerProcess(server: server, database: database)
            servers.append(first)
            let key = try Data(contentsOf: URL(fileURLWithPath: first.directory + "/state/signing.key"))
            for _ in 1..<count {
                let next = try ServerProcess(server: server, start: false, database: database)
                servers.append(next)
                try FileManager.default.createDirectory(atPath: next.directory + "/state", withIntermediateDirectories: true)
                let path = next.directory + "/state/signing.key"
                guard FileManager.default.createFile(atPath: path, contents: key, attributes: [.posixPermissions: 0o600]) else {
                    throw ServerProcessError("cannot write \(path)")
                }
                try next.start()
            }
        } catch {
            for server in servers { server.cleanUp() }
            throw error
        }
        self.servers = servers
    }

    /// Every server's URL, starting with server `first`: each client fails
    /// over to the next when its own is gone.
    func urls(first: Int) -> [String] {
        (0..<servers.count).map { "http://127.0.0.1:\(servers[(first + $0) % servers.count].port)" }
    }

    /// The servers whose /metrics say they run `singleton` now.
    func holders(of singleton: String, among indices: [Int]) async -> [Int] {
        var holders: [Int] = []
        for index in indices {
            guard let reply = try? await servers[index].get("/metrics", token: nil), reply.status == 200 else { continue }
            let text = String(decoding: reply.body, as: UTF8.self)
            let line = text.split(separator: "\n").first { $0.hasPrefix("panda_singleton_held{name=\"\(singleton)\"} ") }
            if let line, let value = line.split(separator: " ").last.flatMap({ Double($0) }), value == 1 {
                holders.append(index)
            }
        }
        return holders
    }

    /// The holders once exactly one server holds `singleton` (it takes it on
    /// its next try after the last holder died), or whatever holds it after 30 s.
    func settledHolders(of singleton: String, among indices: [Int]) async -> [Int] {
        let bound = Date().addingTimeInterval(30)
        var found = await holders(of: singleton, among: indices)
        while found.count != 1 && Date() < bound {
            try? await Task.sleep(for: .milliseconds(200))
            found = await holders(of: singleton, among: indices)
        }
        return found
    }

    func cleanUp() {
        for server in servers { server.cleanUp() }
    }
}
