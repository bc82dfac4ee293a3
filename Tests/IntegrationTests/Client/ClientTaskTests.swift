import Foundation
import PandaCore
import PandaSystem
import Testing
import TestSupport

/// `panda submit` and friends, the real binary against a real server.
@Suite("client: tasks from the command line")
struct ClientTaskTests {
    /// DISK is read by Q1, TAPE only by Q3, ATTIC by no queue.
    static func server() throws -> ServerProcess {
        let directory = NSTemporaryDirectory() + "panda-client-se-\(UUID().uuidString.prefix(8))"
        return try ServerProcess(queues: """
            sites:
              SITE:
                storage:
                  DISK: { url: \(directory)/disk }
                  TAPE: { url: \(directory)/tape }
                  ATTIC: { url: \(directory)/attic }
                queues:
                  Q1: { read_from: [DISK], write_to: DISK, copytools: [cp], corecount: 4, maxrss: 8GB, heartbeat: 1s }
                  Q3: { read_from: [TAPE], write_to: DISK, copytools: [cp], maxrss: 8GB }
            """)
    }

    /// Registers `count` small local files in `dataset` at `storage`.
    static func dataset(_ user: ClientUser, _ dataset: String, count: Int, storage: String = "DISK") throws {
        let paths = try user.files(Dictionary(uniqueKeysWithValues: (1...count).map { ("\(dataset)-f\($0).txt", "line \($0)\n") }))
        let result = try user.panda(["dataset", "add", dataset, "--storage", storage, "--upload"] + paths)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(dataset): \(count) file\(count == 1 ? "" : "s") added; it holds \(count)"), "\(result.stdout)")
    }

    @Test("inline and YAML submissions split over a registered dataset, with placeholders expanded; a repeated request id makes no second task")
    func submit() async throws {
        let server = try Self.server()
        defer { server.cleanUp() }
        let alice = try ClientUser("alice", server: server)
        try Self.dataset(alice, "user.alice.raw", count: 5)

        let inline = try alice.panda(["submit", "--exec", "sh -c 'wc -l %IN > %OUT'", "--in-ds", "user.alice.raw",
                                      "--out-ds", "user.alice.counts", "--files-per-job", "2", "--memory", "1GB",
                                      "--walltime", "1h", "--env", "MODE=fast", "--priority", "5"])
        #expect(inline.status == 0, "\(inline.stderr)")
        #expect(inline.stdout.hasSuffix(": 3 jobs (Q1 3)\n"), "\(inline.stdout)")
        let task = try #require(ClientUser.taskID(in: inline.stdout))
        let jobs = try alice.json([JobStatus].self, ["jobs", "--task", String(task)])
        #expect(jobs.count == 3 && jobs.allSatisfy { $0.priority == 5 && $0.taskID == task })
        let first = try alice.json(JobDescription.self, ["show", String(jobs.map(\.id).min()!)])
        #expect(first.spec.payload.arguments == ["-c", "wc -l user.alice.raw-f1.txt user.alice.raw-f2.txt > user.alice.counts._000001.out"])
        #expect(first.spec.payload.environment == ["MODE": "fast"])
        #expect(first.spec.resources.memory == .gigabytes(1))
        #expect(first.spec.outputDataset == "user.alice.counts")
        #expect(first.spec.inputs.map(\.checksum) == ["ad:" + adler("line 1\n"), "ad:" + adler("line 2\n")])

        let file = try alice.files(["task.yaml": """
            name: sums
            exec: sum.sh %IN_CSV %OUT
            in_ds: user.alice.raw
            out_ds: user.alice.sums
            files_per_job: 5
            outputs: [sum.txt]
            walltime: 30m
            """])[0]
        let fromFile = try alice.panda(["submit", file])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.stdout.hasSuffix(": 1 job (Q1 1)\n"), "\(fromFile.stdout)")
        let sums = try #require(ClientUser.taskID(in: fromFile.stdout))
        let job = try #require(try alice.json([JobStatus].self, ["jobs", "--task", String(sums)]).first)
        let shown = try alice.panda(["show", String(job.id)])
        #expect(shown.stdout.contains("command:    sum.sh user.alice.raw-f1.txt,user.alice.raw-f2.txt,user.alice.raw-f3.txt,"
                                      + "user.alice.raw-f4.txt,user.alice.raw-f5.txt user.alice.sums._000001.sum.txt"), "\(shown.stdout)")
        #expect(shown.stdout.contains("activated submitted by alice, brokered to Q1"), "\(shown.stdout)")
        let tasks = try alice.json([TaskStatus].self, ["tasks"])
        #expect(tasks.map(\.id) == [sums, task] && tasks.allSatisfy { $0.state == .running })

        // A client retrying after a lost answer sends the same request id: it gets the same task, not a second.
        let body: [String: Any] = ["request_id": "retry-1", "task": ["n_jobs": 2, "queue": "Q1", "payload": ["executable": "/bin/true"]]]
        let once = try await server.post("/api/v1/task/submit", token: alice.token, json: body).decode(TaskSubmitResult.self)
        let twice = try await server.post("/api/v1/task/submit", token: alice.token, json: body).decode(TaskSubmitResult.self)
        #expect(once.taskID != nil && twice == once, "\(once) \(twice)")
        #expect(try alice.json([TaskStatus].self, ["tasks"]).count == 3)
    }

    @Test("--dry-run shows the jobs and where they would run, and stores nothing")
    func dryRun() throws {
        let server = try Self.server()
        defer { server.cleanUp() }
        let alice = try ClientUser("alice", server: server)
        try Self.dataset(alice, "user.alice.raw", count: 3)
        let result = try alice.panda(["submit", "--exec", "run.sh %IN %OUT", "--in-ds", "user.alice.raw", "--out-ds", "user.alice.out", "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("user.alice.out#2  Q1     user.alice.raw-f2.txt  user.alice.out._000002.out  run.sh user.alice.raw-f2.txt user.alice.out._000002.out"),
                "\(result.stdout)")
        #expect(result.stdout.contains("dry run: nothing submitted; 3 jobs would be made (Q1 3)"), "\(result.stdout)")
        #expect(try alice.json([TaskStatus].self, ["tasks"]).isEmpty)
        #expect(try alice.json([JobStatus].self, ["jobs"]).isEmpty)
        let missing = try alice.panda(["dataset", "ls", "user.alice.out"])
        #expect(missing.status == 1 && missing.stderr == "panda: dataset user.alice.out does not exist\n", "\(missing.stderr)")
    }

    @Test("a 10,000-job task is accepted in one request and listed")
    func largeTask() async throws {
        let server = try Self.server()
        defer { server.cleanUp() }
        let alice = try ClientUser("alice", server: server)
        // Replicas are registered under their endpoint's base, as the server requires.
        let endpoints = try await server.get("/api/v1/storage", token: alice.token).data as? [[String: Any]] ?? []
        let disk = try #require(endpoints.first { $0["name"] as? String == "DISK" }?["url"] as? String)
        let files = (1...10_000).map { index -> [String: Any] in
            ["scope": "user.alice", "lfn": "evt-\(index).root", "size": 1000, "checksum": "ad:00000001",
             "replicas": [["storage": "DISK", "url": "\(disk)/user.alice/evt-\(index).root"]]]
        }
        let added = try await server.post("/api/v1/dataset/add_files", token: alice.token, json: ["dataset": "user.alice.big", "files": files])
        #expect(added.status == 200, "\(added.message)")
        let result = try alice.panda(["submit", "--exec", "reco.sh %IN", "--in-ds", "user.alice.big", "--name", "big"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix(": 10000 jobs (Q1 10000)\n"), "\(result.stdout)")
        let task = try #require(ClientUser.taskID(in: result.stdout))
        let jobs = try alice.json([JobStatus].self, ["jobs", "--task", String(task), "--limit", "0"])
        #expect(jobs.count == 10_000)
        #expect(Set(jobs.map(\.id)).count == 10_000)
        let status = try alice.json([TaskStatus].self, ["tasks"]).first
        #expect(status?.jobs == 10_000 && status?.count(.activated) == 10_000)
    }

    @Test("watch: plain lines without a terminal, a redrawn bar on one; exit 0 only when every job finished")
    func progress() async throws {
        let server = try Self.server()
        defer { server.cleanUp() }
        let alice = try ClientUser("alice", server: server)
        let submitted = try alice.panda(["submit", "--exec", "sim.sh %JOB", "--n-jobs", "2", "--max-attempts", "1", "--queue", "Q1"])
        let task = try #require(ClientUser.taskID(in: submitted.stdout), "\(submitted.stderr)")

        let plainPath = alice.home + "/watch.plain"
        let ttyPath = alice.home + "/watch.tty"
        let plain = try ChildProcess.spawn(PandaProcess.binary, ["watch", String(task), "--interval", "200ms"],
                                           environment: alice.environment.merging(["PATH": "/usr/bin:/bin"]) { $1 }, stdout: plainPath)
        // script(1) gives the watcher a pseudo-terminal, as a user's shell would.
        let command = "\(PandaProcess.binary) watch \(task) --interval 200ms"
        let tty = try ChildProcess.spawn("/usr/bin/script", ["-qfec", command, "/dev/null"],
                                         environment: alice.environment.merging(["PATH": "/usr/bin:/bin", "TERM": "xterm"]) { $1 }, stdout: ttyPath)
        waitForLine("activated 2", in: plainPath)
        waitForLine("activated 2", in: ttyPath)

        let pilot = try server.token("p", scope: "pilot", queues: ["Q1"])
        let jobs = try await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquireJSON(n: 2)).decode(AcquireResult.self).jobs
        try #require(jobs.count == 2)
        let (one, two) = (jobs[0], jobs[1])
        _ = try await server.post("/api/v1/pilot/update_job", token: pilot, JobUpdate(jobID: one.id, attempt: 1, lease: one.lease, state: .finished, exitCode: 0))
        _ = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                  JobUpdate(jobID: two.id, attempt: 1, lease: two.lease, state: .failed, exitCode: 3, errorCode: 1305,
                                            errorDiag: "payload exited with code 3"))
        #expect(plain.wait(timeout: 30) == 1)
        #expect(tty.wait(timeout: 30) == 1)
        let plainText = (try? String(contentsOfFile: plainPath, encoding: .utf8)) ?? ""
        #expect(plainText.contains("task \(task) running: 0/2 ended; activated 2\n"), "\(plainText)")
        #expect(plainText.contains("task \(task) partially_done: 2/2 ended; failed 1, finished 1\n"), "\(plainText)")
        #expect(plainText.contains("task \(task) failures: 1 × 1305 payload_failed: payload exited with code 3 (e.g. job \(two.id))"), "\(plainText)")
        #expect(!plainText.contains("\u{1B}["), "no terminal codes in a pipe")
        let ttyText = (try? String(contentsOfFile: ttyPath, encoding: .utf8)) ?? ""
        #expect(ttyText.contains("[..............................] 0/2 ended"), "\(ttyText)")
        #expect(ttyText.contains("[##############################] 2/2 ended"), "\(ttyText)")
        #expect(ttyText.contains("\u{1B}[3F\u{1B}[J") || ttyText.contains("\u{1B}[2F\u{1B}[J"), "redrawn in place: \(ttyText.debugDescription)")
    }

    @Test("kill --task cancels what waits and has running jobs killed; retry --task gives them a new attempt")
    func killAndRetry() async throws {
        let server = try Self.server()
        defer { server.cleanUp() }
        let alice = try ClientUser("alice", server: server)
        let submitted = try alice.panda(["submit", "--exec", "sim.sh", "--n-jobs", "3", "--queue", "Q1"])
        let task = try #require(ClientUser.taskID(in: submitted.stdout), "\(submitted.stderr)")
        let pilot = try server.token("p", scope: "pilot", queues: ["Q1"])
        let running = try #require(try await server.acquire(token: pilot))

        let killed = try alice.panda(["kill", "--task", String(task)])
        #expect(killed.stdout == "task \(task): 2 cancelled, 1 being killed by their pilots, 0 had already ended\n", "\(killed.stdout)\(killed.stderr)")
        let reply = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                          JobUpdate(jobID: running.id, attempt: 1, lease: running.lease, state: .running)).decode(UpdateReply.self)
        #expect(reply.command == .kill)
        _ = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                  JobUpdate(jobID: running.id, attempt: 1, lease: running.lease, state: .failed, errorCode: 1201, errorDiag: "killed"))
        let watched = try alice.panda(["watch", String(task)])
        #expect(watched.status == 1)
        #expect(watched.stdout.contains("task \(task) cancelled: 3/3 ended; cancelled 3"), "\(watched.stdout)")
        // `panda tasks`: killed jobs are counted as cancelled, not as failed.
        let listed = try alice.panda(["tasks"]).stdout
        #expect(listed.contains("FINISHED  FAILED  CANCELLED"), "\(listed)")
        let row = try #require(listed.split(separator: "\n").first { $0.hasPrefix("\(task) ") }).split(separator: " ")
        let state = try #require(row.firstIndex(of: "cancelled"), "\(row)")
        #expect(row[(state + 1)...].prefix(4) == ["3", "0", "0", "3"], "jobs, finished, failed, cancelled: \(row)")

        let retried = try alice.panda(["retry", "--task", String(task)])
        #expect(retried.stdout == "task \(task): 3 jobs retried\n", "\(retried.stderr)")
        let again = try alice.json([JobStatus].self, ["jobs", "--task", String(task), "--state", "activated"])
        #expect(again.count == 3 && again.allSatisfy { $0.attempt == 2 })
        let history = try alice.json(JobDescription.self, ["show", String(running.id)]).history
        #expect(history.map(\.state) == [.activated, .sent, .running, .cancelled, .activated])
        #expect(try alice.json([TaskStatus].self, ["tasks"]).first?.state == .running)
    }

    @Test("another user's token cannot see, kill or retry the jobs, nor add to the datasets")
    func otherUsers() throws {
        let server = try Self.server()
        defer { server.cleanUp() }
        let alice = try ClientUser("alice", server: server)
        let mallory = try ClientUser("mallory", server: server)
        try Self.dataset(alice, "user.alice.raw", count: 1)
        let submitted = try alice.panda(["submit", "--exec", "run.sh %IN", "--in-ds", "user.alice.raw"])
        let task = try #require(ClientUser.taskID(in: submitted.stdout), "\(submitted.stderr)")
        let job = try #require(try alice.json([JobStatus].self, ["jobs"]).first).id

        let show = try mallory.panda(["show", String(job)])
        #expect(show.status == 1 && show.stderr == "panda: job \(job) does not exist or is not yours\n", "\(show.stderr)")
        let verbose = try mallory.panda(["show", String(job), "-v"])
        #expect(verbose.stderr == "panda: job \(job) does not exist or is not yours (HTTP 404)\n", "\(verbose.stderr)")
        #expect(try mallory.json([JobStatus].self, ["jobs", "--task", String(task)]).isEmpty)
        for arguments in [["kill", String(job)], ["kill", "--task", String(task)], ["retry", "--task", String(task)], ["watch", String(task)]] {
            let result = try mallory.panda(arguments)
            #expect(result.status == 1, "\(arguments): \(result.stdout)")
            #expect(result.stderr.contains("does not exist or is not yours"), "\(arguments): \(result.stderr)")
        }
        #expect(try alice.json([JobStatus].self, ["jobs"]).first?.state == .activated, "alice's job untouched")
        let paths = try mallory.files(["evil.txt": "x"])
        let add = try mallory.panda(["dataset", "add", "user.alice.raw", "--storage", "DISK", "--upload"] + paths)
        #expect(add.status == 1 && add.stderr.hasPrefix("panda: dataset 'user.alice.raw' is in scope user.alice, which is not yours"), "\(add.stderr)")
    }

    @Test("brokerage sends jobs where their inputs can be read, and refuses inputs readable nowhere")
    func brokerage() throws {
        let server = try Self.server()
        defer { server.cleanUp() }
        let alice = try ClientUser("alice", server: server)
        try Self.dataset(alice, "user.alice.tape", count: 4, storage: "TAPE")
        try Self.dataset(alice, "user.alice.attic", count: 1, storage: "ATTIC")
        let placed = try alice.panda(["submit", "--exec", "run.sh %IN", "--in-ds", "user.alice.tape"])
        #expect(placed.stdout.hasSuffix(": 4 jobs (Q3 4)\n"), "\(placed.stdout)\(placed.stderr)")
        let refused = try alice.panda(["submit", "--exec", "run.sh %IN", "--in-ds", "user.alice.attic"])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("panda: 1 of 1 jobs have nowhere to run; the first, task#1: no queue fits: "), "\(refused.stderr)")
        #expect(refused.stderr.contains("Q1: cannot read input user.alice.attic-f1.txt (replicas at ATTIC; reads DISK)"), "\(refused.stderr)")
    }

    @Test("bad task files and client settings are reported at file:line:column, and nothing is submitted")
    func badFiles() throws {
        let server = try Self.server()
        defer { server.cleanUp() }
        let alice = try ClientUser("alice", server: server)
        let file = try alice.files(["bad.yaml": "exec: run.sh %IN\nin_ds: user.alice.raw\nfile_per_job: 2\nmemory: lots\n"])[0]
        let result = try alice.panda(["submit", file])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(file):3:1: file_per_job: unknown key 'file_per_job' (did you mean 'files_per_job'?)"), "\(result.stderr)")
        #expect(result.stderr.contains("\(file):4:9: memory: "), "\(result.stderr)")
        #expect(result.stderr.hasSuffix("\(file): 2 errors\n"), "\(result.stderr)")
        #expect(try alice.json([TaskStatus].self, ["tasks"]).isEmpty)

        // Settings from client.yaml alone: server, token file, defaults.
        let config = alice.home + "/.config/panda"
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try alice.token.write(toFile: config + "/token", atomically: true, encoding: .utf8)
        try "server: http://127.0.0.1:\(server.port)\ntoken_file: token\ndefaults: { queue: Q1, memory: 1GB }\n"
            .write(toFile: config + "/client.yaml", atomically: true, encoding: .utf8)
        let bare = ["HOME": alice.home, "PANDA_URL": "", "PANDA_TOKEN": ""]
        let viaSettings = try PandaProcess.run(["submit", "--exec", "sim.sh", "--n-jobs", "2", "--json"], environment: bare)
        #expect(viaSettings.status == 0, "\(viaSettings.stderr)")
        let made = try JSONDecoder().decode(TaskSubmitResult.self, from: Data(viaSettings.stdout.utf8))
        #expect(made.jobs == 2 && made.queues == ["Q1": 2])
        try "server: http://127.0.0.1:\(server.port)\ndefaults:\n  memroy: 1GB\n".write(toFile: config + "/client.yaml", atomically: true, encoding: .utf8)
        let broken = try PandaProcess.run(["tasks"], environment: bare)
        #expect(broken.status == 2)
        #expect(broken.stderr.hasPrefix("\(config)/client.yaml:3:3: defaults.memroy: unknown key 'memroy' (did you mean 'memory'?)"), "\(broken.stderr)")
    }
}

func adler(_ text: String) -> String {
    var sum = Adler32()
    sum.update(Array(text.utf8))
    return sum.hex
}
