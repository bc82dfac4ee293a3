import Foundation
import PandaConfig
import PandaCore
@testable import PandaFactory
import Testing

/// The adapters' process handling, against stand-in commands on PATH that
/// behave as HTCondor's and PBS's do (neither can run here): delays,
/// timeouts, non-zero exits with their documented messages.
@Suite("batch commands through stand-ins")
struct StandInCommandTests {
    /// A directory of executable scripts put first on PATH.
    final class StandIns {
        let directory: String

        init(_ scripts: [String: String]) throws {
            directory = NSTemporaryDirectory() + "panda-standins-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (name, body) in scripts {
                let path = directory + "/" + name
                try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
                chmod(path, 0o755)
            }
        }

        func runner(timeout: TimeSpan = .seconds(5)) -> CommandRunner {
            var runner = CommandRunner(timeout: timeout)
            runner.environment["PATH"] = directory + ":/usr/bin:/bin"
            return runner
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }
    }

    @Test("a command that hangs is killed at the timeout, and the error names it")
    func timeout() async throws {
        let standIns = try StandIns(["qstat": "sleep 3600"])
        let started = ContinuousClock.now
        do {
            _ = try await PBSAdapter(runner: standIns.runner(timeout: .seconds(1))).status(of: ["1.pbs"])
            Issue.record("a hung qstat returned")
        } catch {
            #expect(error.description.contains("qstat"))
            #expect(error.description.contains("no answer within 1s"))
        }
        // Killed, not waited for: far sooner than the command's own hour,
        // however loaded the machine (a bound on progress, not on speed).
        #expect(ContinuousClock.now - started < .seconds(1800))
    }

    @Test("HTCondor: schedd unreachable is an error with condor_q's own message; ids gone from the queue are read from history")
    func condor() async throws {
        let down = try StandIns(["condor_q": "echo '-- Failed to fetch ads from: <127.0.0.1:9618> : schedd unreachable' >&2; exit 1"])
        do {
            _ = try await CondorAdapter(runner: down.runner()).status(of: ["5.0"])
            Issue.record("an unreachable schedd gave states")
        } catch {
            #expect(error.description.contains("schedd unreachable"))
        }
        let standIns = try StandIns([
            "condor_q": #"echo '[{"ClusterId": 5, "ProcId": 0, "JobStatus": 2}]'"#,
            "condor_history": #"case "$*" in *5.1*) echo '[{"ClusterId": 5, "ProcId": 1, "JobStatus": 4, "ExitCode": 0}]';; esac"#,
        ])
        let states = try await CondorAdapter(runner: standIns.runner()).status(of: ["5.0", "5.1", "5.2"])
        #expect(states == ["5.0": .running, "5.1": .done(exit: 0)])
    }

    @Test("HTCondor: one condor_submit for all of a cycle's pilots, the description on stdin")
    func condorSubmit() async throws {
        let standIns = try StandIns(["condor_submit": #"cat > "$(dirname "$0")/description"; echo "42.0 - 42.2""#])
        let spool = standIns.directory + "/spool"
        let launches = try (0..<3).map { index -> PilotLaunch in
            try FileManager.default.createDirectory(atPath: spool + "/\(index)", withIntermediateDirectories: true)
            return PilotLaunch(name: "p\(index)", command: ["/usr/bin/panda", "pilot", "--queue", "Q"], environment: ["SITE": "x"],
                               directory: spool + "/\(index)", stdout: spool + "/\(index)/out", stderr: spool + "/\(index)/err",
                               walltime: .hours(1), cores: 1, memory: .gigabytes(2))
        }
        var ids: [String] = []
        try await CondorAdapter(runner: standIns.runner()).submit(launches, queue: try TestQueue.condor()) { _, id in ids.append(id) }
        #expect(ids == ["42.0", "42.1", "42.2"])
        let description = try String(contentsOfFile: standIns.directory + "/description", encoding: .utf8)
        #expect(description.contains("+ProjectName = \"panda\""), "the queue's submit_lines are in it")
        #expect(description.components(separatedBy: "queue 1").count == 4)
    }

    @Test("PBS: an unknown job id (purged) is no state at all, while known ones are read")
    func pbsUnknown() async throws {
        let standIns = try StandIns(["qstat": """
            echo '{"Jobs":{"7.pbs":{"job_state":"R"}}}'
            echo 'qstat: Unknown Job Id 8.pbs' >&2
            exit 153
            """])
        #expect(try await PBSAdapter(runner: standIns.runner()).status(of: ["7.pbs", "8.pbs"]) == ["7.pbs": .running])
        let none = try StandIns(["qstat": "echo 'qstat: Unknown Job Id 8.pbs' >&2; exit 153"])
        #expect(try await PBSAdapter(runner: none.runner()).status(of: ["8.pbs"]).isEmpty)
    }

    @Test("Slurm: a lone unknown id is 'Invalid job id specified', read as no state; other failures are errors")
    func slurmUnknown() async throws {
        let standIns = try StandIns(["squeue": "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1"])
        #expect(try await SlurmAdapter(runner: standIns.runner()).status(of: ["99"]).isEmpty)
        let down = try StandIns(["squeue": "echo 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' >&2; exit 1"])
        await #expect(throws: BatchError.self) { try await SlurmAdapter(runner: down.runner()).status(of: ["99"]) }
    }

    @Test("PBS: a qsub that fails part-way has handed over every id it returned before it failed")
    func pbsPartWay() async throws {
        let standIns = try StandIns(["qsub": #"""
            n=$(cat "$(dirname "$0")/n" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$(dirname "$0")/n"
            [ $n -le 2 ] || { echo 'qsub: Maximum number of jobs already in queue' >&2; exit 38; }
            echo "$n.pbs01"
            """#])
        let launches = try (0..<4).map { try launch("p\($0)", in: standIns.directory) }
        var ids: [Int: String] = [:]
        do {
            try await PBSAdapter(runner: standIns.runner()).submit(launches, queue: try TestQueue.condor()) { ids[$0] = $1 }
            Issue.record("the third qsub failed, yet submit returned")
        } catch {
            #expect(String(describing: error).contains("Maximum number of jobs already in queue"))
        }
        #expect(ids == [0: "1.pbs01", 1: "2.pbs01"])
    }

    @Test("finding pilots by name: HTCondor's +PandaPilot through condor_q and condor_history, PBS's job name through qselect")
    func findByName() async throws {
        let standIns = try StandIns([
            "condor_q": #"echo '[{"ClusterId": 9, "ProcId": 1, "PandaPilot": "panda-Q-a"}]'"#,
            "condor_history": #"case "$*" in *panda-Q-b*) echo '[{"ClusterId": 8, "ProcId": 0, "PandaPilot": "panda-Q-b"}]';; esac"#,
            "qselect": #"[ "$3" = "panda-Q-a" ] && echo "77.pbs01"; exit 0"#,
        ])
        #expect(try await CondorAdapter(runner: standIns.runner()).find(["panda-Q-a", "panda-Q-b", "panda-Q-c"])
            == ["panda-Q-a": "9.1", "panda-Q-b": "8.0"])
        #expect(try await PBSAdapter(runner: standIns.runner()).find(["panda-Q-a", "panda-Q-c"]) == ["panda-Q-a": "77.pbs01"])
    }

    @Test("Slurm: ids squeue forgot are asked of sacct, until sacct says accounting is disabled")
    func slurmAccounting() async throws {
        let standIns = try StandIns([
            "squeue": "exit 0",
            "sacct": #"echo x >> "$(dirname "$0")/asked"; echo 'Slurm accounting storage is disabled' >&2; exit 1"#,
        ])
        let adapter = SlurmAdapter(runner: standIns.runner())
        #expect(try await adapter.status(of: ["5"]).isEmpty)
        #expect(try await adapter.status(of: ["5"]).isEmpty)
        #expect((try? String(contentsOfFile: standIns.directory + "/asked", encoding: .utf8)) == "x\n", "asked once, then no more")
        let accounted = try StandIns([
            "squeue": "exit 0",
            "sacct": #"echo '5|FAILED|3:0|NonZeroExitCode'"#,
        ])
        #expect(try await SlurmAdapter(runner: accounted.runner()).status(of: ["5"]) == ["5": .done(exit: 3)])
    }

    func launch(_ name: String, in directory: String) throws -> PilotLaunch {
        let spool = directory + "/spool/" + name
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        return PilotLaunch(name: name, command: ["/bin/true"], environment: [:], directory: spool, stdout: spool + "/out", stderr: spool + "/err",
                           walltime: .hours(1), cores: 1, memory: .gigabytes(1), token: "t.t.t")
    }

    @Test("a command not on PATH is named in the error")
    func missingCommand() async throws {
        let standIns = try StandIns([:])
        var runner = standIns.runner()
        runner.environment["PATH"] = standIns.directory
        do {
            _ = try await SlurmAdapter(runner: runner).cancel(["1"])
            Issue.record("scancel ran without being on PATH")
        } catch {
            #expect(error.description.contains("scancel is not on PATH"))
        }
    }
}

/// Queues for adapter tests, read through the configuration language.
enum TestQueue {
    static func condor() throws -> QueueConfig {
        let directory = NSTemporaryDirectory() + "panda-q-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            sites:
              S:
                queues:
                  CQ: { batch: { system: condor, submit_lines: ['+ProjectName = "panda"'] } }
            """.write(toFile: directory + "/panda.yaml", atomically: true, encoding: .utf8)
        return try #require(try ConfigLoader(environment: [:]).load(path: directory + "/panda.yaml").configuration.queue(named: "CQ"))
    }
}
