import Foundation
import PandaCore
import PandaSystem
import Testing
import TestSupport

/// Pilots are never lost from the factory's books and never counted as
/// finished when they crashed: real Slurm, with stand-in `sbatch` wrappers
/// around the real one where the test needs a failure at a given moment.
extension FactorySlurmTests {
    static func queue(pilots: Int) -> String {
        "SQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB, maxtime: 1h, "
            + "batch: { system: slurm, partition: debug }, pilots: { max: \(pilots), queued: \(pilots), per_cycle: \(pilots), walltime: 2h } }"
    }

    func names(_ cluster: SlurmCluster) throws -> [String] {
        try cluster.run("squeue", ["-h", "-t", "all", "-o", "%j"]).stdout.split(separator: "\n").map(String.init)
    }

    @Test("a factory kill -9ed between sbatch and its ledger write finds that pilot at restart, and the pilot runs its job")
    func killedBetweenSubmitAndRecord() async throws {
        let cluster = try SlurmCluster()
        try cluster.start()
        defer { cluster.stop() }
        let factory = try FactorySite(queues: [Self.queue(pilots: 1)])
        defer { factory.cleanUp() }
        let id = try await factory.site.submit([shellJob("echo found > out.txt", queue: "SQ", outputs: ["out.txt"])])[0]
        // The real sbatch submits; then the factory dies before it reads the id.
        let wrapper = try standInDirectory(["sbatch": #"/usr/bin/sbatch "$@"; kill -9 $PPID"#])
        defer { try? FileManager.default.removeItem(atPath: wrapper) }
        var killing = cluster.environment
        killing["PATH"] = wrapper + ":" + (killing["PATH"] ?? "")
        let killed = try factory.runOnce(environment: killing)
        #expect(killed.status == 128 + SIGKILL, "\(killed.stderr)")
        let queued = try names(cluster)
        #expect(queued.count == 1 && queued[0].hasPrefix("panda-SQ-"), "the pilot is in Slurm, by its name: \(queued)")

        let restarted = try factory.runOnce(environment: cluster.environment)
        #expect(restarted.status == 0, "\(restarted.stderr)")
        #expect(restarted.stderr.contains("found pilot \(queued[0]) in slurm as "), "\(restarted.stderr)")
        #expect(!restarted.stderr.contains("submitted"), "max 1 pilot, and the found one counts: \(restarted.stderr)")
        #expect(try names(cluster) == queued, "no second pilot")
        let job = try await factory.site.wait(for: id, timeout: 120)
        #expect(job.status.state == .finished, "\(job.status.errorDiag ?? "") \(cluster.log)")
        #expect(job.pilot == queued[0])
    }

    @Test("a submission failing part-way keeps the pilots Slurm accepted, with their ids and directories; the rest are forgotten next cycle")
    func failsPartWay() async throws {
        let cluster = try SlurmCluster()
        try cluster.start()
        defer { cluster.stop() }
        let factory = try FactorySite(queues: [Self.queue(pilots: 3)])
        defer { factory.cleanUp() }
        _ = try await factory.site.submit((0..<3).map { shellJob("sleep 30", queue: "SQ", name: "j\($0)") })
        let wrapper = try standInDirectory(["sbatch": #"""
            n=$(cat "$(dirname "$0")/n" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$(dirname "$0")/n"
            [ $n -le 2 ] || { echo 'sbatch: error: Batch job submission failed: Job violates accounting/QOS policy' >&2; exit 1; }
            exec /usr/bin/sbatch "$@"
            """#])
        defer { try? FileManager.default.removeItem(atPath: wrapper) }
        var failing = cluster.environment
        failing["PATH"] = wrapper + ":" + (failing["PATH"] ?? "")
        let first = try factory.runOnce(environment: failing)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("submitting to SQ failed after 2 of 3 pilot(s)"), "\(first.stderr)")
        #expect(first.stderr.contains("Job violates accounting/QOS policy"), "\(first.stderr)")
        let accepted = try names(cluster)
        #expect(accepted.count == 2)
        let spool = (factory.statePath as NSString).deletingLastPathComponent + "/pilots/SQ/"
        for name in accepted {
            #expect(FileManager.default.fileExists(atPath: spool + name + "/pilot.slurm"), "its directory is kept")
        }

        let second = try factory.runOnce(environment: cluster.environment)
        #expect(second.stderr.contains("never reached slurm; forgotten"), "\(second.stderr)")
        #expect(second.stderr.contains("submitted 1 pilot(s) to SQ"), "two known, one more for three jobs: \(second.stderr)")
        let reported = try #require(try await factory.reported("SQ"))
        #expect(reported.queued + reported.running == 3, "\(reported)")
    }

    @Test("a pilot that exits 3 is failed with its exit code, not finished; the queue backs off, in STATUS=, the report and /metrics")
    func pilotExitsThree() async throws {
        let cluster = try SlurmCluster()
        try cluster.start()
        defer { cluster.stop() }
        let factory = try FactorySite(queues: [Self.queue(pilots: 1)], factory: [#"pilot_command: [/bin/sh, -c, "exit 3"]"#])
        defer { factory.cleanUp() }
        _ = try await factory.site.submit([shellJob("true", queue: "SQ")])
        let socket = try NotifySocket()
        var environment = cluster.environment
        environment["NOTIFY_SOCKET"] = socket.path
        try factory.start(environment: environment)
        var status: String?
        let deadline = Date().addingTimeInterval(90)
        while status == nil && Date() < deadline {
            status = socket.receiveAll(for: 1).last { $0.hasPrefix("STATUS=") && $0.contains("backing off") }
        }
        let shown = try #require(status, "\(factory.log)")
        #expect(shown.contains("backing off SQ: 1 pilot failed within 5m of starting (exited with 3)"), "\(shown)")
        #expect(factory.log.contains("of SQ exited with 3"), "\(factory.log)")
        #expect(factory.log.components(separatedBy: "queue SQ: backing off for 1m").count == 2, "logged once: \(factory.log)")
        #expect(factory.log.components(separatedBy: "submitted 1 pilot(s) to SQ").count == 2, "no pilot while backing off: \(factory.log)")
        let reported = try #require(try await factory.reported("SQ"))
        #expect(reported.failed == 1 && reported.finished == 0, "\(reported)")
        #expect(reported.backoff?.contains("exited with 3") == true, "\(reported)")
        let metrics = String(decoding: try await factory.site.server.get("/metrics", token: nil).body, as: UTF8.self)
        #expect(metrics.contains(#"panda_factory_backoff_seconds{queue="SQ"} "#) && !metrics.contains(#"panda_factory_backoff_seconds{queue="SQ"} 0.0"#),
                "\(metrics)")
    }

    @Test("a pilot killed in Slurm (scancel --signal=KILL) is failed with Slurm's reason, not counted as finished")
    func pilotKilled() async throws {
        let cluster = try SlurmCluster()
        try cluster.start()
        defer { cluster.stop() }
        let factory = try FactorySite(queues: [Self.queue(pilots: 1)])
        defer { factory.cleanUp() }
        let id = try await factory.site.submit([shellJob("sleep 600", queue: "SQ", maxAttempts: 2)])[0]
        try factory.start(environment: cluster.environment)
        _ = try await factory.site.wait(for: id, state: .running, timeout: 90)
        let victim = try #require(try cluster.run("squeue", ["-h", "-t", "RUNNING", "-o", "%i"]).stdout.split(separator: "\n").first.map(String.init))
        _ = try cluster.run("scancel", ["--signal=KILL", victim])
        let deadline = Date().addingTimeInterval(60)
        while !factory.log.contains("(\(victim)) of SQ died in the batch system") && Date() < deadline {
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(factory.log.contains("(\(victim)) of SQ died in the batch system: "), "\(factory.log)")
        let reported = try #require(try await factory.reported("SQ"))
        #expect(reported.failed >= 1 && reported.finished == 0, "a killed pilot is not finished: \(reported)")
    }
}
