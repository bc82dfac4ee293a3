import Foundation
import PandaCore
import TestSupport
import PandaSystem

/// A server with a factory section, the factory's credential, and the means
/// to run `panda factory` as a process beside it.
final class FactorySite: @unchecked Sendable {
    let site: PilotSite
    let credential: String
    let statePath: String
    private(set) var factory: ChildProcess?
    let logPath: String

    /// `queues` as for PilotSite; `factory` adds keys to the factory section,
    /// `top` other sections (a monitor's), `server` keys to the server's.
    /// `sharedUID` as for PilotSite (`pilot.shared_uid`; nil: refuse).
    init(queues: [String], factory extra: [String] = [], storage: [String] = [], pilot: String = "", top extraTop: String = "",
         server serverSection: String = "", sharedUID: String? = "accept") throws {
        let directory = NSTemporaryDirectory() + "panda-factory-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        statePath = directory + "/factory.db"
        credential = directory + "/factory.token"
        logPath = directory + "/factory.log"
        // The server's port is known only once it is made, so the factory
        // is pointed at it with --server.
        site = try PilotSite(queues: queues, storage: storage, pilot: pilot, top: """
            factory:
              cycle: 1s
              state: \(statePath)
              credential: \(credential)
            \(extra.map { "  " + $0 }.joined(separator: "\n"))
            \(extraTop)
            """, server: serverSection, sharedUID: sharedUID)
        let names = queues.compactMap { $0.split(separator: ":").first.map { $0.trimmingCharacters(in: .whitespaces) } }
        let token = try site.server.token("factory-1", scope: "factory", queues: names)
        FileManager.default.createFile(atPath: credential, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600])
    }

    var serverURL: String { "http://127.0.0.1:\(site.server.port)" }

    func arguments(_ extra: [String]) -> [String] {
        ["factory", "-c", site.server.configPath, "--server", serverURL] + extra
    }

    /// Runs `panda factory --once` to its end.
    func runOnce(environment: [String: String] = [:], extra: [String] = []) throws -> PandaProcess.Result {
        try PandaProcess.run(arguments(["--once"] + extra), environment: environment)
    }

    func start(environment: [String: String] = [:]) throws {
        var env = ["PATH": "/usr/bin:/bin"]
        env.merge(environment) { $1 }
        factory = try ChildProcess.spawn(PandaProcess.binary, arguments([]), environment: env, stdout: logPath)
    }

    @discardableResult
    func stop() -> Int32 {
        guard let factory else { return -1 }
        let status = factory.terminate()
        self.factory = nil
        return status
    }

    /// Local pilots a `--once` run left behind: their command lines name
    /// this factory's spool.
    func killPilots() {
        let spool = (statePath as NSString).deletingLastPathComponent + "/pilots"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  String(decoding: data, as: UTF8.self).contains(spool) else { continue }
            kill(pid, SIGKILL)
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The factory's report as the server keeps it.
    func reported(_ queue: String) async throws -> QueuePilots? {
        let admin = try site.server.token("ops", scope: "admin")
        let reports = try await site.server.get("/api/v1/factory/pilots", token: admin).decode(PilotReports.self)
        return reports.factories.first?.queues.first { $0.queue == queue }
    }

    func cleanUp() {
        stop()
        killPilots()
        site.cleanUp()
        try? FileManager.default.removeItem(atPath: (statePath as NSString).deletingLastPathComponent)
    }
}

/// Executable stand-ins put first on PATH.
func standInDirectory(_ scripts: [String: String]) throws -> String {
    let directory = NSTemporaryDirectory() + "panda-standins-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for (name, body) in scripts {
        let path = directory + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }
    return directory
}
