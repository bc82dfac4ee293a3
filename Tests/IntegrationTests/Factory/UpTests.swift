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
        let directory = NSTemporaryDirectory() + "panda-up-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
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
        let output = directory + "/up.out"
        let up = try ChildProcess.spawn(PandaProcess.binary, ["up", "-c", directory + "/panda.yaml", "--demo", "--demo-jobs", "8", "--cycle", "1s"],
                                        environment: ["PATH": "/usr/bin:/bin", "USER": "tester"], stdout: output, directory: directory)
        waitForLine("Where to look next", in: output)
        // The state directory holds the database, the signing key and tokens: the owner's only.
        func mode(_ path: String) -> mode_t? {
            var info = stat()
            return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
        }
        #expect(mode(directory + "/state") == 0o700)
        #expect(mode(directory + "/state/panda.db") == 0o600)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(text.contains("every demo job finished"), "\(text)")
        #expect(text.contains("8/8 ended: 8 finished"), "progress lines without a terminal: \(text)")
        for index in 1...8 {
            #expect(FileManager.default.fileExists(atPath: directory + String(format: "/storage/user.tester/summary-%03d.txt", index)))
            #expect(FileManager.default.fileExists(atPath: directory + String(format: "/storage/user.tester/demo-%03d.log.tgz", index)))
        }
        up.signal(SIGINT)
        let status = up.wait(timeout: 90)
        #expect(status == 0, "\((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
        #expect(((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("panda up: stopped"))
        let pilots = try PandaProcess.runTool("/usr/bin/pgrep", ["-f", directory + "/state/pilots"])
        #expect(pilots.stdout.isEmpty, "no pilot left running: \(pilots.stdout)")
    }
}
