import Foundation
import PandaSystem
import TestSupport
import Testing

/// What each job costs the pilot itself, counted in system calls with
/// strace rather than timed: a trivial job (/bin/true) must not make the
/// pilot read the whole process table or open files by the hundred, as it
/// did when the end of every job scanned /proc (issue 27: the pilot's own
/// overhead per job went from 2.6 ms to 7.5-8 ms).
@Suite("pilot: what a job costs the pilot", .serialized)
struct PilotJobCostTests {
    static let strace = "/usr/bin/strace"
    /// A long watch interval: the memory watch's tick (which does read
    /// /proc) never comes during a trivial job, however loaded the machine.
    static let site = """
        pilot:
          watch_interval: 1h
        sites:
          SITE:
            queues:
              PQ: { maxrss: 1GB, maxwdir: 1GB, maxtime: 1h }
        """

    @Test("a trivial job makes the pilot read no process's /proc entry, open a bounded number of files and sync none")
    func systemCallsPerJob() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.strace), "strace is missing: make deps installs it")
        let server = try ServerProcess(queues: Self.site)
        defer { server.cleanUp() }
        let user = try server.token("jdoe", scope: "submit")
        let pilotToken = try server.token("pilot", scope: "pilot", queues: ["PQ"])

        // Two pilots, one running 2 jobs and one 12: what the second opens
        // beyond the first is what 10 jobs cost, start-up and exit taken out.
        var opens: [Int] = [], syncs: [Int] = []
        for jobs in [2, 12] {
            let submitted = (0..<jobs).map { _ in ["queue": "PQ", "payload": ["executable": "/bin/true"]] as [String: Any] }
            let reply = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": submitted])
            #expect(reply.status == 200, "\(reply.message)")
            let trace = server.directory + "/pilot-\(jobs).strace"
            let log = server.directory + "/pilot-\(jobs).log"
            let pilot = try ChildProcess.spawn(
                Self.strace,
                ["-f", "-qq", "-e", "trace=open,openat,fsync,fdatasync,clone,clone3,fork,vfork", "-o", trace, PandaProcess.binary, "pilot",
                 "--server", "http://127.0.0.1:\(server.port)", "--queue", "PQ", "-c", server.configPath,
                 "--workdir", server.directory + "/work", "--state-dir", server.directory + "/pilot-state", "--idle-timeout", "0s", "--shared-uid", "accept"],
                environment: ["PATH": "/usr/bin:/bin", "PANDA_PILOT_TOKEN": pilotToken], stdout: log)
            let deadline = ContinuousClock.now + .seconds(300)
            while pilot.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            if pilot.isRunning { pilot.kill9() }
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(pilot.terminationStatus == 0, "\(output)")
            #expect(output.components(separatedBy: "reported finished").count - 1 == jobs, "\(output)")
            // Each line starts with the time, RFC 3339 in UTC with milliseconds.
            let logLines = output.split(separator: "\n").filter { $0.contains(" pilot[") }
            let stamped = #"^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z pilot\["#
            #expect(!logLines.isEmpty && logLines.allSatisfy { $0.range(of: stamped, options: .regularExpression) != nil }, "\(output)")

            let lines = ((try? String(contentsOfFile: trace, encoding: .utf8)) ?? "").split(separator: "\n")
            // The pilot's own threads and children aside: libdispatch reads
            // its worker threads' /proc/TID/stat to size its pool.
            var own = Set(lines.map { String($0.prefix { $0.isNumber }) })
            for line in lines where line.contains("clone") || line.contains("fork(") {
                if let created = line.split(separator: "=").last?.trimmingCharacters(in: .whitespaces), Int(created) != nil { own.insert(created) }
            }
            let processEntries = lines.filter { line in
                guard let range = line.range(of: #""/proc/[0-9]+/"#, options: .regularExpression) else { return false }
                return !own.contains(String(line[range].dropFirst(7).prefix { $0.isNumber }))
            }
            #expect(processEntries.isEmpty, "the pilot read \(processEntries.count) /proc/PID entries, e.g. \(processEntries.prefix(3))")
            opens.append(lines.filter { $0.contains(" open(") || $0.contains(" openat(") }.count)
            syncs.append(lines.filter { $0.contains("fsync(") || $0.contains("fdatasync(") }.count)
        }
        // Each job opens its log, stdin/stdout/stderr of the payload, the
        // outbox entry, its directories on removal, /proc/meminfo for the
        // next acquire, and /bin/true loads libc: about a dozen, never a
        // number that grows with the processes on the node.
        let perJob = Double(opens[1] - opens[0]) / 10
        #expect(perJob <= 25, "\(perJob) opens per trivial job (\(opens))")
        // A final report the server takes at once is never synced to disk
        // (only one that has to wait for it is), and nothing else a job
        // without outputs or log storage does needs an fsync.
        #expect(syncs[1] == syncs[0], "\(syncs[1] - syncs[0]) fsyncs for 10 trivial jobs (\(syncs))")
    }
}
