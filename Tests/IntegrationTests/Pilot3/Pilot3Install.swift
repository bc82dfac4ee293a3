import Foundation
import TestSupport

/// PyPI's panda-pilot 3.7.0.36, installed once per test run by
/// scripts/pilot3-env into a virtual environment under .build/ (kept
/// between runs), with the sdist's own pilot.py beside it, unmodified.
enum Pilot3Install {
    static let version = "3.7.0.36"

    /// The directory holding `pilot.py` and `venv/`.
    static var root: String {
        get throws { try installed.get() }
    }

    private static let installed: Result<String, ServerProcessError> = {
        guard let result = try? PandaProcess.runTool("/bin/bash", [Repository.path("scripts/pilot3-env")], environment: ["HOME": NSTemporaryDirectory()]),
              result.status == 0 else {
            return .failure(ServerProcessError("scripts/pilot3-env could not install panda-pilot \(version) (is PyPI reachable? python3-venv installed?)"))
        }
        return .success(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }()

    /// pilot3's own configuration file, as installed: a site may replace it
    /// through $HARVESTER_PILOT_CONFIG, which the tests do to shorten the
    /// heartbeat period (1800 s by default).
    static func defaultConfig() throws -> String {
        let lib = try root + "/venv/lib"
        for python in (try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? [] {
            let path = "\(lib)/\(python)/site-packages/pilot/util/default.cfg"
            if let text = try? String(contentsOfFile: path, encoding: .utf8) { return text }
        }
        throw ServerProcessError("no pilot/util/default.cfg under \(lib)")
    }
}
