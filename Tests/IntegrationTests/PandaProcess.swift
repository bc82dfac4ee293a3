import Foundation
import TestSupport
import PandaSystem

/// Runs the built `panda` binary as a separate process, as a user would.
enum PandaProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The binary `swift build` put beside this test bundle, or $PANDA_BINARY.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["PANDA_BINARY"] { return path }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On Linux the test runner is <build dir>/<package>PackageTests.xctest.
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("panda")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate.path
            }
            directory.deleteLastPathComponent()
        }
        return Repository.path(".build/debug/panda")
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], inheritEnvironment: Bool = false) throws -> Result {
        try runTool(binary, arguments, environment: environment, inheritEnvironment: inheritEnvironment)
    }

    /// Runs any program (openssl, curl) the same way.
    static func runTool(_ executable: String, _ arguments: [String], environment: [String: String] = [:], inheritEnvironment: Bool = false) throws -> Result {
        var env = inheritEnvironment ? ProcessInfo.processInfo.environment : ["PATH": "/usr/bin:/bin"]
        env.merge(environment) { $1 }
        let scratch = NSTemporaryDirectory() + "panda-run-\(UUID().uuidString)"
        defer { for suffix in [".out", ".err"] { unlink(scratch + suffix) } }
        let child = try ChildProcess.spawn(executable, arguments, environment: env, stdout: scratch + ".out", stderr: scratch + ".err")
        let status = child.wait()
        return Result(status: status,
                      stdout: (try? String(contentsOfFile: scratch + ".out", encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: scratch + ".err", encoding: .utf8)) ?? "")
    }
}
