import PandaConfig
import PandaCore
@testable import PandaFactory
import Testing

/// The adapters read their batch systems' answers in the documented formats,
/// errors included. HTCondor and PBS cannot run here (Debian 12 packages
/// neither), so their outputs are recorded in the forms their manuals give.
@Suite("batch command output")
struct BatchOutputTests {
    @Test("squeue -O id|state|reason|exit_code: every state maps, with the reason an operator reads and the exit code")
    func squeue() {
        // squeue pads each field to its width; exit_code is the raw wait status (768: exit 3, 15: SIGTERM).
        let row = { (id: String, state: String, reason: String, exit: Int) in
            id.padding(toLength: 30, withPad: " ", startingAt: 0) + "|" + state.padding(toLength: 30, withPad: " ", startingAt: 0) + "|"
                + reason.padding(toLength: 200, withPad: " ", startingAt: 0) + "|" + String(exit).padding(toLength: 20, withPad: " ", startingAt: 0) + "|"
        }
        let states = SlurmAdapter.parseQueue([
            row("17", "RUNNING", "None", 0), row("18", "PENDING", "Priority", 0), row("19", "COMPLETED", "None", 0),
            row("20", "CANCELLED", "None", 15), row("21", "TIMEOUT", "None", 0), row("22", "PENDING", "JobHeldUser", 0),
            row("23", "FAILED", "NonZeroExitCode", 768), row("24", "SUSPENDED", "None", 0), row("25", "NODE_FAIL", "None", 0),
            row("26", "COMPLETING", "None", 0), row("27", "OUT_OF_MEMORY", "OutOfMemory", 0), row("28", "WEIRD", "None", 0),
            row("29", "FAILED", "JobLaunchFailure", 4021), row("30", "BOOT_FAIL", "None", 0), row("31", "PREEMPTED", "None", 0),
            row("32", "DEADLINE", "None", 0), row("33", "FAILED", "NonZeroExitCode", 9), row("34", "REQUEUE_HOLD", "None", 0),
        ].joined(separator: "\n"))
        #expect(states["17"] == .running)
        #expect(states["18"] == .queued)
        #expect(states["19"] == .done(exit: 0))
        #expect(states["20"] == .failed(reason: "cancelled in Slurm (CANCELLED)"))
        #expect(states["21"] == .failed(reason: "reached its Slurm time limit (TIMEOUT)"))
        #expect(states["22"] == .held(reason: "JobHeldUser"))
        #expect(states["23"] == .done(exit: 3))
        #expect(states["24"] == .held(reason: "suspended"))
        #expect(states["25"] == .failed(reason: "its node failed (NODE_FAIL)"))
        #expect(states["26"] == .running)
        #expect(states["27"] == .failed(reason: "ran out of memory (OUT_OF_MEMORY) (OutOfMemory)"))
        #expect(states["28"] == .unknown("WEIRD"))
        #expect(states["29"] == .failed(reason: "failed in Slurm (JobLaunchFailure)"), "the node could not start it")
        #expect(states["30"] == .failed(reason: "its node failed to boot (BOOT_FAIL)"))
        #expect(states["31"] == .failed(reason: "preempted by a higher-priority job (PREEMPTED)"))
        #expect(states["32"] == .failed(reason: "reached its deadline before it could run (DEADLINE)"))
        #expect(states["33"] == .failed(reason: "killed by signal 9 (SIGKILL)"))
        #expect(states["34"] == .held(reason: "requeue_hold"))
    }

    @Test("sacct --parsable2 (documented form): state, exit:signal and reason survive MinJobAge")
    func sacct() {
        let states = SlurmAdapter.parseAccounting("""
            41|COMPLETED|0:0|None
            42|FAILED|3:0|NonZeroExitCode
            43|CANCELLED by 1000|0:15|None
            44|NODE_FAIL|0:0|None
            45|OUT_OF_MEMORY|0:125|OutOfMemory
            46|TIMEOUT|0:0|TimeLimit
            47|FAILED|0:9|NonZeroExitCode
            48|PENDING|0:0|Priority
            """)
        #expect(states["41"] == .done(exit: 0))
        #expect(states["42"] == .done(exit: 3))
        #expect(states["43"] == .failed(reason: "cancelled in Slurm (CANCELLED) (by 1000)"))
        #expect(states["44"] == .failed(reason: "its node failed (NODE_FAIL)"))
        #expect(states["45"] == .failed(reason: "ran out of memory (OUT_OF_MEMORY) (OutOfMemory)"))
        #expect(states["46"] == .failed(reason: "reached its Slurm time limit (TIMEOUT) (TimeLimit)"))
        #expect(states["47"] == .failed(reason: "killed by signal 9 (SIGKILL)"))
        #expect(states["48"] == .queued)
    }

    @Test("sbatch --parsable: an id, with or without a cluster; anything else is an error that quotes it")
    func sbatch() throws {
        #expect(try SlurmAdapter.parseSubmit("123\n") == "123")
        #expect(try SlurmAdapter.parseSubmit("123;panda\n") == "123")
        #expect(throws: BatchError.self) { try SlurmAdapter.parseSubmit("sbatch: error: Batch job submission failed") }
    }

    @Test("sbatch arguments carry name, time, cpus, memory and the queue's batch keys, and no factory path")
    func sbatchArguments() throws {
        let launch = PilotLaunch(name: "panda-Q-1", command: ["/usr/bin/panda", "pilot", "--token-file", PilotScript.tokenFile],
                                 environment: ["SITE": "it's"], directory: "/spool/p1",
                                 stdout: "/spool/p1/pilot.out", stderr: "/spool/p1/pilot.err", walltime: .minutes(90), cores: 8,
                                 memory: .gibibytes(16), token: "aaa.bbb.ccc")
        let arguments = SlurmAdapter.submitArguments(launch, batch: nil)
        #expect(arguments.contains("--time=90"))
        #expect(arguments.contains("--cpus-per-task=8"))
        #expect(arguments.contains("--mem=16384M"))
        #expect(arguments.contains("--job-name=panda-Q-1"))
        #expect(!arguments.contains { $0.contains("/spool") }, "a node without the spool would fail the job: \(arguments)")
        let script = PilotScript(launch: launch, directives: [], redirectOutput: true).text
        #expect(script.contains("exec '/usr/bin/panda' 'pilot' '--token-file' \"$work/pilot.token\""))
        #expect(script.contains("aaa.bbb.ccc\nPANDA_PILOT_TOKEN\n"), "the token is in the script")
        #expect(script.contains("export SITE='it'\\''s'"))
    }

    @Test("condor_submit -terse: 'C.P - C.Q' gives every proc id")
    func condorSubmit() throws {
        #expect(try CondorAdapter.parseSubmit("231.0 - 231.2\n") == ["231.0", "231.1", "231.2"])
        #expect(try CondorAdapter.parseSubmit("7.0 - 7.0\n") == ["7.0"])
        #expect(throws: BatchError.self) { try CondorAdapter.parseSubmit("ERROR: Failed to connect to local queue manager\n") }
    }

    @Test("condor_q and condor_history -json: JobStatus 1–7, hold reasons, exits and signals; no match prints nothing")
    func condorAds() throws {
        let queued = try CondorAdapter.parseAds("""
            [
            { "ClusterId": 231, "ProcId": 0, "JobStatus": 2 },
            { "ClusterId": 231, "ProcId": 1, "JobStatus": 5, "HoldReason": "Error from slot1@wn01: SHADOW failed to send file(s)" },
            { "ClusterId": 231, "ProcId": 2, "JobStatus": 1 },
            { "ClusterId": 231, "ProcId": 3, "JobStatus": 7 },
            { "ClusterId": 231, "ProcId": 4, "JobStatus": 6 }
            ]
            """, command: "condor_q")
        #expect(queued["231.0"] == .running)
        #expect(queued["231.1"] == .held(reason: "Error from slot1@wn01: SHADOW failed to send file(s)"))
        #expect(queued["231.2"] == .queued)
        #expect(queued["231.3"] == .held(reason: "suspended"))
        #expect(queued["231.4"] == .running)
        let history = try CondorAdapter.parseAds("""
            [
            { "ClusterId": 230, "ProcId": 0, "JobStatus": 4, "ExitCode": 0, "ExitBySignal": false },
            { "ClusterId": 230, "ProcId": 1, "JobStatus": 3, "RemoveReason": "via condor_rm (by user panda)" },
            { "ClusterId": 230, "ProcId": 2, "JobStatus": 4, "ExitBySignal": true, "ExitSignal": 9 },
            { "ClusterId": 230, "ProcId": 3, "JobStatus": 4, "ExitCode": 3, "ExitBySignal": false }
            ]
            """, command: "condor_history")
        #expect(history["230.0"] == .done(exit: 0))
        #expect(history["230.1"] == .failed(reason: "removed from HTCondor: via condor_rm (by user panda)"))
        #expect(history["230.2"] == .failed(reason: "killed by signal 9 (SIGKILL)"))
        #expect(history["230.3"] == .done(exit: 3))
        #expect(try CondorAdapter.parseAds("\n", command: "condor_q").isEmpty)
        #expect(throws: BatchError.self) { try CondorAdapter.parseAds("-- Failed to fetch ads from: <127.0.0.1:9618> : schedd", command: "condor_q") }
    }

    @Test("the HTCondor submit description has a queue per pilot and the queue's extra lines")
    func condorDescription() {
        let launches = (0..<2).map { index in
            PilotLaunch(name: "p\(index)", command: ["panda", "pilot"], environment: [:], directory: "/spool/p\(index)",
                        stdout: "/spool/p\(index)/out", stderr: "/spool/p\(index)/err", walltime: .hours(2), cores: 4, memory: .gigabytes(8))
        }
        let text = CondorAdapter.description(launches, scripts: ["/spool/p0/s", "/spool/p1/s"], batch: nil)
        #expect(text.components(separatedBy: "queue 1").count == 3)
        #expect(text.contains("request_cpus = 4"))
        #expect(text.contains("executable = /spool/p1/s"))
        #expect(text.contains("should_transfer_files = YES"), "worker nodes need not share the factory's file system")
        #expect(text.contains("transfer_executable = true"))
        #expect(text.contains("+PandaPilot = \"p1\""), "a restarted factory finds the pilot by it")
    }

    @Test("qsub prints SEQ.SERVER; qstat -f -F json: states, Exit_status negative is a PBS error, ≥ 256 a signal")
    func pbs() throws {
        #expect(try PBSAdapter.parseSubmit("4242.pbs01\n") == "4242.pbs01")
        #expect(throws: BatchError.self) { try PBSAdapter.parseSubmit("qsub: Unknown queue\n") }
        let states = try PBSAdapter.parseStatus("""
            {"timestamp":1700000000,"pbs_version":"22.05.11","pbs_server":"pbs01","Jobs":{
              "4242.pbs01":{"Job_Name":"panda-x","job_state":"R"},
              "4243.pbs01":{"job_state":"Q"},
              "4244.pbs01":{"job_state":"F","Exit_status":0},
              "4245.pbs01":{"job_state":"F","Exit_status":271},
              "4246.pbs01":{"job_state":"F","Exit_status":-11,"comment":"job exec failed"},
              "4247.pbs01":{"job_state":"H","comment":"held by user"},
              "4248.pbs01":{"job_state":"E"},
              "4249.pbs01":{"job_state":"F","Exit_status":-29},
              "4250.pbs01":{"job_state":"F","Exit_status":-27},
              "4251.pbs01":{"job_state":"F","Exit_status":3},
              "4252.pbs01":{"job_state":"F"},
              "4253.pbs01":{"job_state":"W"},
              "4254.pbs01":{"job_state":"S"}
            }}
            """)
        #expect(states["4242.pbs01"] == .running)
        #expect(states["4243.pbs01"] == .queued)
        #expect(states["4244.pbs01"] == .done(exit: 0))
        #expect(states["4245.pbs01"] == .failed(reason: "killed by signal 15 (SIGTERM)"))
        #expect(states["4246.pbs01"] == .failed(reason: "PBS error -11: job exec failed"))
        #expect(states["4249.pbs01"] == .failed(reason: "JOB_EXEC_KILL_WALLTIME, killed at its walltime"))
        #expect(states["4250.pbs01"] == .failed(reason: "JOB_EXEC_KILL_MEM, killed for using more memory than requested"))
        #expect(states["4251.pbs01"] == .done(exit: 3))
        #expect(states["4252.pbs01"] == .failed(reason: "finished in PBS without an exit status"))
        #expect(states["4253.pbs01"] == .queued)
        #expect(states["4254.pbs01"] == .held(reason: "suspended"))
        #expect(states["4247.pbs01"] == .held(reason: "held by user"))
        #expect(states["4248.pbs01"] == .running)
        #expect(PBSAdapter.directives(PilotLaunch(name: "n", command: ["x"], environment: [:], directory: "/d", stdout: "/o", stderr: "/e",
                                                  walltime: .seconds(5400), cores: 2, memory: .megabytes(2048)), batch: nil)
            .contains("#PBS -l walltime=01:30:00"))
    }

    @Test("Harvester's rule: per cycle, queued limit, total limit and demand each bound new pilots")
    func plan() {
        func limits(max: Int, queued: Int, perCycle: Int) -> PilotPlan {
            PilotPlan(limits: PilotLimits(max: max, queued: queued, perCycle: perCycle, walltime: .hours(2)), slots: nil, system: .slurm)
        }
        #expect(limits(max: 100, queued: 10, perCycle: 5).newPilots(queued: 0, running: 0, demand: 1000) == 5)
        #expect(limits(max: 100, queued: 10, perCycle: 50).newPilots(queued: 8, running: 0, demand: 1000) == 2)
        #expect(limits(max: 20, queued: 10, perCycle: 50).newPilots(queued: 2, running: 15, demand: 1000) == 3)
        #expect(limits(max: 100, queued: 10, perCycle: 50).newPilots(queued: 3, running: 0, demand: 4) == 1)
        #expect(limits(max: 100, queued: 10, perCycle: 50).newPilots(queued: 5, running: 0, demand: 0) == 0)
        let local = PilotPlan(limits: PilotLimits(max: 10, queued: 0, perCycle: 10, walltime: .hours(2)), slots: 2, system: .local)
        #expect(local.newPilots(queued: 0, running: 1, demand: 50) == 1)
    }
}
