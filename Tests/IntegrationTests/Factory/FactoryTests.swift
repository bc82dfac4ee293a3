import Foundation
import PandaCore
import Testing
import TestSupport

/// `panda factory` as a process against a real server: local pilots run
/// jobs; a restart keeps the pilot records; a hung batch command stalls
/// only its own queue.
@Suite("panda factory", .serialized)
struct FactoryTests {
    static let local = "LQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB, maxtime: 1h, "
        + "batch: { system: local, slots: 2 }, pilots: { max: 2, queued: 0, per_cycle: 2, walltime: 2h } }"
    static let slurm = "SQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB, maxtime: 1h, "
        + "batch: { system: slurm, partition: debug }, pilots: { max: 2, queued: 2, per_cycle: 2, walltime: 2h } }"

    @Test("local pilots started by the factory run the queue's jobs, and the factory reports them to the server")
    func localPilots() async throws {
        let factory = try FactorySite(queues: [Self.local])
        defer { factory.cleanUp() }
        let ids = try await factory.site.submit((0..<30).map { shellJob("echo \($0) > out\($0).txt", queue: "LQ", name: "j\($0)", outputs: ["out\($0).txt"]) })
        try factory.start()
        for id in ids {
            #expect(try await factory.site.wait(for: id, timeout: 60).status.state == .finished)
        }
        let reported = try #require(try await factory.reported("LQ"), "\(factory.log)")
        #expect(reported.batchSystem == .local)
        #expect(reported.running <= 2, "never more than the slots")
        let pilots = Set(try await ids.asyncMap { try await factory.site.describe($0).pilot ?? "" })
        #expect(pilots.allSatisfy { $0.hasPrefix("panda-LQ-") }, "\(pilots)")
        #expect(pilots.count <= 2 + 1, "two slots, so about two pilots ran everything: \(pilots)")
        #expect(factory.stop() == 0, "SIGTERM stops the factory cleanly")
        #expect(factory.log.contains("factory stopped; 2 local pilot(s) stopped\n"), "\(factory.log)")
    }

    @Test("a restarted factory keeps its pilot records: it sees the pilots it has and submits no more than the limits allow")
    func restartKeepsRecords() async throws {
        // sbatch hands out ids; squeue reports every asked id running.
        let standIns = try standInDirectory([
            "sbatch": #"n=$(cat "$(dirname "$0")/next" 2>/dev/null || echo 1000); echo $((n + 1)) > "$(dirname "$0")/next"; echo "$n""#,
            "squeue": #"for id in $(echo "$5" | tr , ' '); do echo "$id|RUNNING|None"; done"#,
        ])
        defer { try? FileManager.default.removeItem(atPath: standIns) }
        let factory = try FactorySite(queues: [Self.slurm])
        defer { factory.cleanUp() }
        _ = try await factory.site.submit((0..<10).map { _ in shellJob("true", queue: "SQ") })
        let environment = ["PATH": standIns + ":/usr/bin:/bin"]
        let first = try factory.runOnce(environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("submitted 2 pilot(s) to SQ through slurm: 1000 1001"), "\(first.stderr)")
        let second = try factory.runOnce(environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(!second.stderr.contains("submitted"), "max 2 pilots, both remembered as running: \(second.stderr)")
        let reported = try #require(try await factory.reported("SQ"))
        #expect(reported.running == 2)
        #expect(reported.queued == 0)
    }

    @Test("with cancel_without_demand, queued pilots are cancelled once their queue has nothing left to do")
    func cancelWithoutDemand() async throws {
        let standIns = try standInDirectory([
            "sbatch": "echo 501",
            "squeue": #"echo "501|PENDING|Resources""#,
            "scancel": #"echo "$@" >> "$(dirname "$0")/cancelled""#,
        ])
        defer { try? FileManager.default.removeItem(atPath: standIns) }
        let factory = try FactorySite(queues: [Self.slurm], factory: ["cancel_without_demand: true"])
        defer { factory.cleanUp() }
        let id = try await factory.site.submit([shellJob("true", queue: "SQ")])[0]
        let environment = ["PATH": standIns + ":/usr/bin:/bin"]
        let first = try factory.runOnce(environment: environment)
        #expect(first.stderr.contains("submitted 1 pilot(s) to SQ through slurm: 501"), "\(first.stderr)")
        // The only job goes away before the pilot starts.
        let kill = try await factory.site.server.post("/api/v1/job/kill", token: factory.site.user, json: ["job_ids": [id]])
        #expect(kill.status == 200)
        let second = try factory.runOnce(environment: environment)
        #expect(second.stderr.contains("cancelled: no jobs left for the queue"), "\(second.stderr)")
        #expect((try? String(contentsOfFile: standIns + "/cancelled", encoding: .utf8)) == "501\n")
        let reported = try #require(try await factory.reported("SQ"))
        #expect(reported.queued == 0)
        #expect(reported.failed == 1)
    }

    @Test("a hung squeue is cut off at factory.command_timeout; the other queues are served in the same cycle")
    func hungBatchCommand() async throws {
        let standIns = try standInDirectory([
            "sbatch": "echo 77",
            "squeue": "sleep 300",
        ])
        defer { try? FileManager.default.removeItem(atPath: standIns) }
        let factory = try FactorySite(queues: [Self.slurm, Self.local], factory: ["command_timeout: 1s"])
        defer { factory.cleanUp() }
        _ = try await factory.site.submit([shellJob("true", queue: "SQ"), shellJob("true", queue: "LQ")])
        let environment = ["PATH": standIns + ":/usr/bin:/bin"]
        let first = try factory.runOnce(environment: environment)
        #expect(first.stderr.contains("submitted 1 pilot(s) to SQ"), "\(first.stderr)")
        let started = Date()
        let second = try factory.runOnce(environment: environment)
        #expect(Date().timeIntervalSince(started) < 60, "the cycle did not wait for squeue's 300 s")
        #expect(second.status == 0)
        #expect(second.stderr.contains("queue SQ skipped this cycle: squeue"), "\(second.stderr)")
        #expect(second.stderr.contains("no answer within 1s"), "\(second.stderr)")
        // The local queue got its pilot in the first cycle and still has it.
        #expect(try await factory.reported("LQ") != nil)
    }

    @Test("a credential others can read is refused, naming its mode")
    func credentialMode() throws {
        let factory = try FactorySite(queues: [Self.local])
        defer { factory.cleanUp() }
        chmod(factory.credential, 0o644)
        let result = try factory.runOnce()
        #expect(result.status == 2)
        #expect(result.stderr.contains("mode 644"), "\(result.stderr)")
    }

    @Test("under systemd: READY=1 after the first cycle, STATUS= with its pilots, WATCHDOG=1, STOPPING=1 on SIGTERM")
    func systemdNotify() async throws {
        let socket = try NotifySocket()
        let factory = try FactorySite(queues: [Self.local])
        defer { factory.cleanUp() }
        _ = try await factory.site.submit([shellJob("sleep 5", queue: "LQ")])
        try factory.start(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000000"])
        let messages = socket.receiveAll(for: 3)
        #expect(messages.contains("READY=1"), "\(messages)")
        #expect(messages.contains { $0.hasPrefix("STATUS=") && $0.contains("pilots running") }, "\(messages)")
        #expect(messages.filter { $0 == "WATCHDOG=1" }.count >= 3, "fed every half second between cycles: \(messages)")
        factory.stop()
        #expect(socket.receiveAll(for: 1).contains("STOPPING=1"))
    }
}
