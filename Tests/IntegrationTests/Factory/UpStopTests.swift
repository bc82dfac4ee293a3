import Foundation
import PandaCore
import PandaSystem
import Testing
import TestSupport

/// `panda up` leaves nothing running: closing its terminal (SIGHUP) stops
/// it like Ctrl-C, and when it is killed outright its server, factory and
/// pilots stop by themselves.
@Suite("panda up stops everything")
struct UpStopTests {
    /// A `panda up` with a local queue and a job that keeps a pilot busy.
    final class Up {
        let directory: String
        let process: ChildProcess
        let output: String

        init() throws {
            directory = NSTemporaryDirectory() + "panda-upstop-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory + "/storage", withIntermediateDirectories: true)
            let port = try ServerProcess.freePort()
            try """
                server: { listen: 127.0.0.1:\(port), database: sqlite:state/panda.db, signing_key: state/signing.key }
                factory: { state: state/factory.db }
                # Its own port: suites running at once would all start their monitor on the default one.
                monitor: { listen: 127.0.0.1:\(try ServerProcess.freePort()) }
                sites:
                  HERE:
                    storage: { DISK: { url: \(directory)/storage } }
                    queues:
                      LOCAL:
                        write_to: DISK
                        copytools: [cp]
                        maxrss: 1GB
                        maxwdir: 1GB
                        maxtime: 1h
                        batch: { system: local, slots: 1 }
                        pilots: { max: 1, queued: 0, per_cycle: 1, walltime: 2h }
                """.write(toFile: directory + "/panda.yaml", atomically: true, encoding: .utf8)
            output = directory + "/up.out"
            process = try ChildProcess.spawn(PandaProcess.binary, ["up", "-c", directory + "/panda.yaml", "--cycle", "1s"],
                                             environment: ["PATH": "/usr/bin:/bin", "USER": "tester"], stdout: output, directory: directory)
            waitForLine("panda up: running.", in: output)
            // A job that runs long, so a pilot is busy with it when up goes away.
            let token = try String(contentsOfFile: directory + "/state/user.token", encoding: .utf8)
            let job = #"{"jobs":[{"name":"long","queue":"LOCAL","payload":{"executable":"/bin/sleep","arguments":["300"]}}]}"#
            let submitted = try PandaProcess.runTool("/usr/bin/curl", ["-sS", "-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/json",
                                                                       "-d", job, "http://127.0.0.1:\(port)/api/v1/job/submit"])
            guard submitted.stdout.contains(#""success":true"#) else { throw ServerProcessError("submit: \(submitted.stdout) \(submitted.stderr)") }
        }

        var text: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

        /// Every process whose command line names this installation.
        var left: [String] {
            ProcessStat.all().filter { $0.isRunning && $0.pid != getpid() }.compactMap { stat in
                guard let data = SmallFile.read("/proc/\(stat.pid)/cmdline") else { return nil }
                let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
                return line.contains(directory) && !line.contains("panda up") && !line.contains(" up -c ") ? "\(stat.pid): \(line)" : nil
            }
        }

        func waitForPilot() throws {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if left.contains(where: { $0.contains(" pilot ") }) { return }
                usleep(100_000)
            }
            throw ServerProcessError("no pilot started: \(text)")
        }

        func waitUntilNothingLeft(timeout: TimeInterval) -> [String] {
            let deadline = Date().addingTimeInterval(timeout)
            var now = left
            while !now.isEmpty && Date() < deadline {
                usleep(200_000)
                now = left
            }
            return now
        }

        func cleanUp() {
            process.kill9()
            for line in left { if let pid = pid_t(line.prefix { $0 != ":" }) { kill(pid, SIGKILL) } }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test("SIGHUP (its terminal closed) stops panda up like Ctrl-C: server, factory and pilot are gone")
    func hangUp() throws {
        let up = try Up()
        defer { up.cleanUp() }
        #expect(up.text.contains("DEMO MODE"), "says it runs everything as one user: \(up.text)")
        try up.waitForPilot()
        up.process.signal(SIGHUP)
        let status = up.process.wait(timeout: 120)
        #expect(status == 0, "\(up.text)")
        #expect(up.text.contains("panda up: stopped"), "\(up.text)")
        #expect(up.left.isEmpty, "\(up.left)")
    }

    @Test("kill -9 of panda up: its server, factory and pilot stop by themselves")
    func killed() throws {
        let up = try Up()
        defer { up.cleanUp() }
        try up.waitForPilot()
        #expect(up.left.count >= 3, "server, factory and a pilot (and its payload): \(up.left)")
        up.process.kill9()
        let left = up.waitUntilNothingLeft(timeout: 120)
        #expect(left.isEmpty, "\(left)")
    }
}
