import Foundation
import PandaCore
import Testing

/// Server, factory and pilots through a real Slurm (Debian's slurm-wlm,
/// started by the test).
@Suite("panda factory through real Slurm", .serialized)
struct FactorySlurmTests {
    static let queue = "SQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB, maxtime: 1h, "
        + "batch: { system: slurm, partition: debug }, pilots: { max: 4, queued: 4, per_cycle: 4, walltime: 2h } }"

    @Test("200 jobs run to completion through Slurm pilots; a pilot cancelled in Slurm is noticed and its job retried")
    func twoHundredJobs() async throws {
        let cluster = try SlurmCluster()
        try cluster.start()
        defer { cluster.stop() }
        let factory = try FactorySite(queues: [Self.queue])
        defer { factory.cleanUp() }
        let ids = try await factory.site.submit((0..<200).map { index in
            var job = shellJob("echo \(index) > out\(index).txt; sleep 0.05", queue: "SQ", name: "s\(index)", outputs: ["out\(index).txt"], maxAttempts: 3)
            job["max_attempts"] = 3
            return job
        })
        try factory.start(environment: cluster.environment)

        // Once pilots run, cancel one in Slurm, as an operator or a preemption would.
        var cancelled: String?
        let deadline = Date().addingTimeInterval(60)
        while cancelled == nil && Date() < deadline {
            let running = try cluster.run("squeue", ["-h", "-t", "RUNNING", "-o", "%i"]).stdout.split(separator: "\n")
            if let victim = running.first {
                _ = try cluster.run("scancel", [String(victim)])
                cancelled = String(victim)
            } else {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        let victim = try #require(cancelled, "no pilot ever ran in Slurm: \(factory.log)\n\(cluster.log)")

        for id in ids {
            let job = try await factory.site.wait(for: id, timeout: 180)
            #expect(job.status.state == .finished, "job \(id): \(job.status.errorDiag ?? "")")
        }
        // The factory saw the cancelled pilot end badly.
        let noticed = Date().addingTimeInterval(30)
        while !factory.log.contains("(\(victim)) of SQ died in the batch system") && Date() < noticed {
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(factory.log.contains("(\(victim)) of SQ died in the batch system: cancelled"), "\(factory.log)")
        let reported = try #require(try await factory.reported("SQ"))
        #expect(reported.batchSystem == .slurm)
        #expect(reported.failed >= 1)
    }
}
