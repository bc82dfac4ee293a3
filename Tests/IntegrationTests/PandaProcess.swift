import Foundation
import TestSupport

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = inheritEnvironment ? ProcessInfo.processInfo.environment : ["PATH": "/usr/bin:/bin"]
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}
