import Foundation
import PandaCore
import Testing

/// A queue with `pilots.flavour: pilot3` runs on pilot3: the factory starts
/// the unmodified PanDA pilot 3 with the command line and environment it
/// needs, and pilot3 takes the queue's job to finished.
@Suite("pilot3: the factory starts pilot3 for a queue")
struct Pilot3FactoryTests {
    @Test("a factory-started pilot3 runs the queue's job to finished")
    func factoryStartsPilot3() async throws {
        let root = try Pilot3Install.root
        let transformations = try Pilot3Transformations()
        defer { transformations.stop() }
        let queue = """
            F3: { read_from: [LOCAL], write_to: LOCAL, maxrss: 2GB, maxwdir: 5GB, maxtime: 1h,
                  batch: { system: local, slots: 1, environment: { http_proxy: "\(transformations.proxy)", no_proxy: "127.0.0.1,localhost" } },
                  pilots: { flavour: pilot3, max: 1, queued: 0, pilot3_command: [\(root)/venv/bin/python, -P, \(root)/pilot.py] } }
            """.replacingOccurrences(of: "\n", with: " ")
        let factory = try FactorySite(queues: [queue])
        defer {
            Self.killPilot3s(under: factory.statePath)
            factory.cleanUp()
        }
        let site = factory.site
        let id = try await site.submit([[
            "name": "f3", "queue": "F3", "max_attempts": 1, "outputs": [["lfn": "out.txt"]],
            "payload": ["executable": Pilot3Transformations.baseURL + "/run.sh", "arguments": ["echo from pilot3 > out.txt"]],
        ]])[0]
        let once = try factory.runOnce()
        #expect(once.status == 0, "\(once.stderr)")
        let done = try await site.wait(for: id, timeout: 150)
        #expect(done.status.state == .finished, "\(done.status.errorDiag ?? "") \(Self.pilotOutput(under: factory.statePath))")
        let output = try #require(done.outputs.first { $0.lfn == "out.txt" })
        // In Rucio's layout, where pilot3's mv puts it (panda's pilot would write LOCAL/panda/out.txt).
        #expect(output.url == "file://" + site.storageDirectory + "/" + Pilot3Site.rucioPath(scope: "user.jdoe", lfn: "out.txt"))
        #expect(FileManager.default.contents(atPath: String(output.url.dropFirst("file://".count))) == Data("from pilot3\n".utf8))
    }

    /// pilot3's processes carry the spool folder in their environment
    /// (OIDC_AUTH_DIR), not on their command lines.
    static func killPilot3s(under statePath: String) {
        let spool = (statePath as NSString).deletingLastPathComponent + "/pilots"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
                  String(decoding: data, as: UTF8.self).contains(spool) else { continue }
            kill(pid, SIGKILL)
        }
    }

    static func pilotOutput(under statePath: String) -> String {
        let spool = (statePath as NSString).deletingLastPathComponent + "/pilots"
        let files = FileManager.default.enumerator(atPath: spool)?.compactMap { $0 as? String }.filter { $0.hasSuffix("pilot.out") } ?? []
        return files.compactMap { try? String(contentsOfFile: spool + "/" + $0, encoding: .utf8) }.joined().split(separator: "\n").suffix(30)
            .joined(separator: "\n")
    }
}
