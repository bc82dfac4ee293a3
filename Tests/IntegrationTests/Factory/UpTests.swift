import Foundation
import PandaCore
import Testing
import TestSupport
import PandaSystem

/// `panda up --demo`: the embedded default from one configuration file.
@Suite("panda up")
struct UpTests {
    @Test("runs server, factory and local pilots; the demo's jobs read inputs, write outputs and finish; Ctrl-C stops everything")
    func demo() throws {
        let directory = try Self.demoDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try Self.runDemo(in: directory, jobs: 8) {
            // The state directory holds the database, the signing key and tokens: the owner's only.
            func mode(_ path: String) -> mode_t? {
                var info = stat()
                return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
            }
            #expect(mode(directory + "/state") == 0o700)
            #expect(mode(directory + "/state/panda.db") == 0o600)
        }
        #expect(text.contains("every demo job finished"), "\(text)")
        #expect(text.contains("8/8 ended: 8 finished"), "progress lines without a terminal: \(text)")
        let stored = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/storage/user.tester")) ?? []
        #expect(stored.filter { $0.hasPrefix("demo-") && $0.hasSuffix(".summary.txt") }.count == 8, "\(stored)")
        #expect(stored.filter { $0.hasPrefix("demo-") && $0.hasSuffix(".log.tgz") }.count == 8, "\(stored)")
        #expect(text.contains("panda up: stopped"), "\(text)")
        let pilots = try PandaProcess.runTool("/usr/bin/pgrep", ["-f", directory + "/state/pilots"])
        #expect(pilots.stdout.isEmpty, "no pilot left running: \(pilots.stdout)")
    }

    @Test("a second demo in the same place writes new names: the first run's log tarballs stay as recorded")
    func secondDemo() throws {
        let directory = try Self.demoDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try Self.runDemo(in: directory, jobs: 2)
        #expect(first.contains("every demo job finished"), "\(first)")
        sleep(1)   // the run's names carry the second it started in
        let second = try Self.runDemo(in: directory, jobs: 2) {
            let logs = try PandaProcess.run(["logs", "1", "--cat", "payload.stdout"],
                                            environment: ["PANDA_CLIENT_CONFIG": directory + "/state/client.yaml"])
            #expect(logs.status == 0, "job 1's log tarball is what the catalogue recorded: \(logs.stderr)")
            #expect(logs.stdout.contains("events-001.txt"), "\(logs.stdout)")
        }
        #expect(second.contains("every demo job finished"), "\(second)")
        let stored = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/storage/user.tester")) ?? []
        #expect(stored.filter { $0.hasSuffix(".log.tgz") }.count == 4, "each run's logs under their own names: \(stored)")
    }

    static func demoDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "panda-up-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = try ServerProcess.freePort()
        try """
            server: { listen: 127.0.0.1:\(port), database: sqlite:state/panda.db, signing_key: state/signing.key }
            factory: { state: state/factory.db }
            # Its own port: suites running at once would all start their monitor on the default one.
            monitor: { listen: 127.0.0.1:\(try ServerProcess.freePort()) }
            pilot: { idle_timeout: 1m }
            sites:
              HERE:
                storage: { DISK: { url: \(directory)/storage } }
                queues:
                  LOCAL:
                    read_from: [DISK]
                    write_to: DISK
                    copytools: [cp]
                    maxrss: 1GB
                    maxwdir: 1GB
                    maxtime: 1h
                    batch: { system: local, slots: 2 }
                    pilots: { max: 2, queued: 0, per_cycle: 2, walltime: 2h }
            """.write(toFile: directory + "/panda.yaml", atomically: true, encoding: .utf8)
        return directory
    }

    /// Runs `panda up --demo` until its demo has ended, then `whileUp`, then
    /// stops it with Ctrl-C (expecting exit 0); its output.
    static func runDemo(in directory: String, jobs: Int, whileUp: () throws -> Void = {}) throws -> String {
        let output = directory + "/up-\(UUID().uuidString.prefix(8)).out"
        let up = try ChildProcess.spawn(PandaProcess.binary, ["up", "-c", directory + "/panda.yaml", "--demo", "--demo-jobs", String(jobs), "--cycle", "1s"],
                                        environment: ["PATH": "/usr/bin:/bin", "USER": "tester"], stdout: output, directory: directory)
        for _ in 0..<10 {
            waitForLine("Where to look next", in: output)
            if ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("Where to look next") || !up.isRunning { break }
        }
        try whileUp()
        up.signal(SIGINT)
        let status = up.wait(timeout: 90)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(text)")
        return text
    }
}
