import Foundation
import PandaCore
import TestSupport

/// A user at a terminal: runs `panda` user commands against a server with
/// a token, as a physicist would, with a home directory of their own.
struct ClientUser {
    let server: ServerProcess
    let name: String
    let token: String
    let home: String

    init(_ name: String, server: ServerProcess, token: String? = nil) throws {
        self.server = server
        self.name = name
        self.token = try token ?? server.token(name, scope: "submit")
        home = server.directory + "/home-\(name)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    }

    var environment: [String: String] {
        ["PANDA_URL": "http://127.0.0.1:\(server.port)", "PANDA_TOKEN": token, "HOME": home, "TZ": "UTC"]
    }

    /// Runs `panda ARGUMENTS` in the user's home directory.
    @discardableResult
    func panda(_ arguments: [String], environment extra: [String: String] = [:]) throws -> PandaProcess.Result {
        try PandaProcess.run(arguments, environment: environment.merging(extra) { $1 })
    }

    /// Runs a command that must succeed, and decodes its `--json` output.
    func json<T: Decodable>(_ type: T.Type, _ arguments: [String]) throws -> T {
        let result = try panda(arguments + ["--json"])
        guard result.status == 0 else { throw ServerProcessError("panda \(arguments) exited \(result.status): \(result.stderr)") }
        return try JSONDecoder().decode(T.self, from: Data(result.stdout.utf8))
    }

    /// Writes files of the given contents in the home directory; returns their paths.
    func files(_ contents: [String: String]) throws -> [String] {
        try contents.keys.sorted().map { name in
            let path = home + "/" + name
            try contents[name]!.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    /// The task id in "task N: M jobs (…)".
    static func taskID(in output: String) -> Int64? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("task ") }),
              let id = line.dropFirst(5).split(separator: ":").first else { return nil }
        return Int64(id)
    }
}
