import Foundation
import TestSupport
@testable import PandaConfig

extension Repository {
    static let fixtures = root.appendingPathComponent("Tests/PandaConfigTests/Fixtures")
}

/// The environment every configuration test loads with, so results do not
/// depend on the machine's.
let testEnvironment = ["HOME": "/home/tester", "PANDA_TEST_SIZE": "4GB"]

/// A temporary directory holding the given files, removed by `cleanUp()`.
struct ScratchDirectory {
    let url: URL

    init(_ files: [String: String]) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("panda-config-\(UUID().uuidString)")
        for (name, text) in files {
            let file = url.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}

/// Loads a configuration and returns its problems as printed lines (empty when valid).
func problems(loading path: String, environment: [String: String] = testEnvironment) -> [String] {
    do throws(ConfigLoadError) {
        _ = try ConfigLoader(environment: environment).load(path: path)
        return []
    } catch {
        switch error {
        case .invalid(let diagnostics): return diagnostics.map(\.description)
        case .unreadable(let path, let reason): return ["unreadable \(path): \(reason)"]
        }
    }
}

/// Loads a configuration that must be valid.
func load(_ path: String, environment: [String: String] = testEnvironment) throws -> LoadedConfiguration {
    try ConfigLoader(environment: environment).load(path: path)
}

/// Loads YAML text written to a scratch panda.yaml.
func load(yaml: String, environment: [String: String] = testEnvironment) throws -> LoadedConfiguration {
    let scratch = try ScratchDirectory(["panda.yaml": yaml])
    defer { scratch.cleanUp() }
    return try load(scratch.path("panda.yaml"), environment: environment)
}
