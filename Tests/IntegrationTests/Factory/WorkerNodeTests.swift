import Foundation
import PandaCore
import PandaSystem
import Testing
import TestSupport

/// What a pilot needs on a worker node, and whose it is: the batch script
/// carries its token and needs none of the factory's paths; local pilots are
/// known by pid and start time, and may run as `batch.user`.
@Suite("pilots on worker nodes")
struct WorkerNodeTests {
    static let slurm = "SQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB, maxtime: 1h, "
        + "batch: { system: slurm, partition: debug }, pilots: { max: 1, queued: 1, per_cycle: 1, walltime: 2h } }"

    @Test("the generated Slurm script runs a pilot to a finished job with the factory's spool directory removed")
    func scriptWithoutSpool() async throws {
        // sbatch keeps the script where a batch system would (its own spool) and hands out an id.
        let standIns = try standInDirectory([
            "sbatch": #"for a; do last="$a"; done; cp "$last" "$(dirname "$0")/kept.sh"; echo 4100"#,
            "squeue": #"echo "4100|PENDING|Priority|0|""#,
        ])
        defer { try? FileManager.default.removeItem(atPath: standIns) }
        let factory = try FactorySite(queues: [Self.slurm])
        defer { factory.cleanUp() }
        let id = try await factory.site.submit([shellJob("echo far away", queue: "SQ")])[0]
        let once = try factory.runOnce(environment: ["PATH": standIns + ":/usr/bin:/bin"])
        #expect(once.stderr.contains("submitted 1 pilot(s) to SQ through slurm: 4100"), "\(once.stderr)")
        let script = try String(contentsOfFile: standIns + "/kept.sh", encoding: .utf8)
        let spool = (factory.statePath as NSString).deletingLastPathComponent + "/pilots"
        #expect(script.components(separatedBy: spool).count == 2, "the spool only as where output goes if the node shares it: \(script)")
        try FileManager.default.removeItem(atPath: spool)

        // The "node": another scratch directory, nothing of the factory's.
        let node = NSTemporaryDirectory() + "panda-node-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: node, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: node) }
        let pilot = try ChildProcess.spawn("/bin/sh", [standIns + "/kept.sh"], environment: ["PATH": "/usr/bin:/bin", "TMPDIR": node],
                                           stdout: node + "/batch.out")
        defer { pilot.kill9() }
        let job = try await factory.site.wait(for: id, timeout: 60)
        #expect(job.status.state == .finished, "\(job.status.errorDiag ?? "")")
        let work = try #require(try FileManager.default.contentsOfDirectory(atPath: node).first { $0.hasPrefix("panda-SQ-") })
        // The script wrote it (0600: see BatchOutputTests), the pilot read it and removed it.
        #expect(!FileManager.default.fileExists(atPath: node + "/" + work + "/pilot.token"), "the token does not outlive its reading")
        let log = (try? String(contentsOfFile: node + "/" + work + "/pilot.err", encoding: .utf8)) ?? ""
        #expect(log.contains("job \(id) done"), "the pilot's output is on the node, the spool being gone: \(log)")
    }

    @Test("a recorded local pilot whose pid now belongs to another process is not a pilot, and cancel leaves that process alone")
    func pidReuse() async throws {
        let directory = NSTemporaryDirectory() + "panda-pidreuse-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Alive for as long as the test takes, however slow the machine: ended by the defer.
        let stranger = try ChildProcess.spawn("/bin/sleep", ["infinity"], environment: [:])
        defer { stranger.kill9() }
        let started = try #require(ProcessStat(pid: stranger.pid)).startTime
        // The ledger of a factory that ran a pilot with this pid before: an older start time.
        let factory = try FactorySite(queues: [
            "LQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB, maxtime: 1h, batch: { system: local, slots: 1 }, "
                + "pilots: { max: 1, queued: 0, per_cycle: 1, walltime: 2h } }",
        ], factory: ["cancel_without_demand: true"])
        defer { factory.cleanUp() }
        let recycled = "\(stranger.pid):\(started - 1)"
        try seedLedger(factory.statePath, batchID: recycled)
        // Cycles, then SIGTERM (the factory stops the local pilots on its books): the stranger is never signalled.
        try factory.start()
        let deadline = Date().addingTimeInterval(600)
        while !factory.log.contains("(\(recycled)) of LQ left the batch system without a final state") && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(factory.log.contains("(\(recycled)) of LQ left the batch system without a final state"), "\(factory.log)")
        #expect(factory.stop() == 0)
        #expect(stranger.isRunning, "never signalled: \(factory.log)")
        let reported = try #require(try await factory.reported("LQ"))
        #expect(reported.running == 0, "a stranger is not a running pilot: \(reported)")
    }

    @Test("with batch.user, the factory (as root) starts local pilots as that user: the payload runs as it", .enabled(if: SystemUser.isRoot))
    func batchUser() async throws {
        let user = try SystemUser.ensure("panda-test-pilot")
        let factory = try FactorySite(queues: [
            "UQ: { write_to: LOCAL, copytools: [cp], maxrss: 1GB, maxwdir: 1GB, maxtime: 1h, batch: { system: local, slots: 1, user: \(user.user) }, "
                + "pilots: { max: 1, queued: 0, per_cycle: 1, walltime: 2h } }",
        ], pilot: "  recovery_dir: /tmp/panda-recovery-\(user.user)")
        defer { factory.cleanUp() }
        // The pilot writes outputs and its log tarball there as that user.
        chmod(factory.site.storageDirectory, 0o1777)
        let id = try await factory.site.submit([shellJob("id -un > who.txt", queue: "UQ", outputs: ["who.txt"])])[0]
        try factory.start()
        let job = try await factory.site.wait(for: id, timeout: 60)
        #expect(job.status.state == .finished, "\(job.status.errorDiag ?? "") \(factory.log)")
        let stored = try #require(job.outputs.first { $0.lfn == "who.txt" })
        let who = try String(contentsOfFile: String(stored.url.dropFirst(stored.url.hasPrefix("file://") ? 7 : 0)), encoding: .utf8)
        #expect(who == user.user + "\n")
        // The pilot passed through the spool to its own directory: searchable by it, listable by no one.
        let spool = (factory.statePath as NSString).deletingLastPathComponent + "/pilots"
        for path in [spool, spool + "/UQ"] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect(mode == 0o711, "\(path) is \(String(mode, radix: 8))")
        }
    }

    /// A pilot record as an earlier factory run left it.
    func seedLedger(_ path: String, batchID: String) throws {
        let sql = """
            CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
            INSERT INTO grdb_migrations VALUES ('v1 pilots');
            CREATE TABLE pilots (system TEXT NOT NULL, batch_id TEXT NOT NULL, queue TEXT NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL,
              reason TEXT, exit_code INTEGER, submitted_at REAL NOT NULL, started_at REAL, ended_at REAL, held_at REAL,
              directory TEXT NOT NULL, missing INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (system, batch_id));
            CREATE INDEX pilots_queue_state ON pilots(queue, state);
            INSERT INTO pilots VALUES ('local', '\(batchID)', 'LQ', 'panda-LQ-old', 'running', NULL, NULL, \(Date().timeIntervalSince1970),
              \(Date().timeIntervalSince1970), NULL, NULL, '/nonexistent', 0);
            """
        let result = try PandaProcess.runTool("/usr/bin/sqlite3", [path, sql])
        guard result.status == 0 else { throw ServerProcessError("sqlite3: \(result.stderr)") }
    }
}
