import PandaCore
import Testing

@Suite("tasks: splitting, placeholders, state")
struct TaskSplitterTests {
    static func files(_ sizes: [Int64]) -> [DatasetFile] {
        sizes.enumerated().map { index, size in
            DatasetFile(scope: "user.jdoe", lfn: "f\(index + 1).root", size: size, checksum: nil,
                        replicas: [Replica(storage: "SE", url: "https://se/f\(index + 1).root")])
        }
    }

    static func task(_ arguments: [String], perJob: Int? = nil, bytes: ByteCount? = nil, outputs: [String]? = nil) -> TaskSpec {
        TaskSpec(inputDatasets: ["user.jdoe.raw"], outputDataset: "user.jdoe.out", filesPerJob: perJob, bytesPerJob: bytes,
                 outputs: outputs, payload: Payload(executable: "run.sh", arguments: arguments))
    }

    @Test("N files per job, the last job taking the rest; outputs and logs named after the output dataset")
    func filesPerJob() throws {
        let jobs = try TaskSplitter(task: Self.task(["%IN", "-o", "%OUT"], perJob: 2), owner: "jdoe").jobs(inputs: Self.files([1, 1, 1, 1, 1]))
        #expect(jobs.map { $0.inputs.map(\.lfn) } == [["f1.root", "f2.root"], ["f3.root", "f4.root"], ["f5.root"]])
        #expect(jobs[0].payload.arguments == ["f1.root", "f2.root", "-o", "user.jdoe.out._000001.out"])
        #expect(jobs[2].outputs.map(\.lfn) == ["user.jdoe.out._000003.out"])
        #expect(jobs[2].log?.lfn == "user.jdoe.out._000003.log.tgz")
        #expect(jobs[0].outputs[0].scope == "user.jdoe")
        #expect(jobs.allSatisfy { $0.outputDataset == "user.jdoe.out" })
        #expect(jobs[1].inputs[0].replicas == [Replica(storage: "SE", url: "https://se/f3.root")])
    }

    @Test("a byte budget adds files to a job while they fit; a file larger than it gets a job of its own")
    func bytesPerJob() throws {
        let jobs = try TaskSplitter(task: Self.task(["%IN"], bytes: ByteCount(bytes: 10)), owner: "jdoe").jobs(inputs: Self.files([4, 4, 4, 20, 1]))
        #expect(jobs.map { $0.inputs.map(\.lfn) } == [["f1.root", "f2.root"], ["f3.root"], ["f4.root"], ["f5.root"]])
    }

    @Test("placeholders inside an argument: %IN spaced, %IN_CSV, %OUT2, %JOB and %% ; unknown ones stay")
    func placeholders() throws {
        let task = Self.task(["wc -l %IN > %OUT; cp %OUT %OUT2", "--files=%IN_CSV", "job-%JOB", "100%%", "%d"],
                             perJob: 2, outputs: ["txt", "copy.txt"])
        let job = try TaskSplitter(task: task, owner: "jdoe").jobs(inputs: Self.files([1, 1]))[0]
        #expect(job.payload.arguments == [
            "wc -l f1.root f2.root > user.jdoe.out._000001.txt; cp user.jdoe.out._000001.txt user.jdoe.out._000001.copy.txt",
            "--files=f1.root,f2.root", "job-1", "100%", "%d",
        ])
    }

    @Test("a task without inputs makes n_jobs jobs; without %OUT it has no outputs")
    func noInputs() throws {
        let task = TaskSpec(outputDataset: "user.jdoe.sim", jobCount: 3, payload: Payload(executable: "sim.sh", arguments: ["%JOB"]))
        let jobs = try TaskSplitter(task: task, owner: "jdoe").jobs(inputs: [])
        #expect(jobs.map(\.payload.arguments) == [["1"], ["2"], ["3"]])
        #expect(jobs.allSatisfy { $0.outputs.isEmpty && $0.inputs.isEmpty })
        #expect(jobs[1].log?.lfn == "user.jdoe.sim._000002.log.tgz")
    }

    @Test("what cannot work is refused before any job is made, all of it at once")
    func problems() {
        var task = Self.task(["%OUT3"], perJob: 2, bytes: ByteCount(bytes: 5), outputs: ["a", "a"])
        task.outputDataset = nil
        task.inputDatasets = ["bad/name"]
        let problems = TaskSplitter(task: task, owner: "jdoe").problems()
        #expect(problems.contains("give files_per_job or bytes_per_job, not both"))
        #expect(problems.contains("outputs need an output dataset to be named after and registered in (out_ds)"))
        #expect(problems.contains("outputs name the same file twice"))
        #expect(problems.contains("argument '%OUT3' uses %OUT3, but the task has 2 outputs"))
        #expect(problems.contains("input dataset 'bad/name' must not hold '/' or '\\'"))
        #expect(throws: TaskSplitError.tooManyJobs(5, limit: 4)) {
            try TaskSplitter(task: Self.task(["%IN"]), owner: "jdoe", jobLimit: 4).jobs(inputs: Self.files([1, 1, 1, 1, 1]))
        }
    }

    @Test("the default scope is user.OWNER, with what a scope cannot hold replaced")
    func scope() {
        #expect(TaskSplitter.defaultScope(owner: "jdoe") == "user.jdoe")
        #expect(TaskSplitter.defaultScope(owner: "j doe@cern") == "user.j_doe_cern")
    }

    @Test("command lines split like a shell's words, without a shell")
    func commandWords() throws {
        #expect(try CommandWords.split(#"analyze.sh --label "my run" 'a b' c\ d %IN"#) == ["analyze.sh", "--label", "my run", "a b", "c d", "%IN"])
        #expect(try CommandWords.split(#"sh -c "echo \"hi\" \$HOME""#) == ["sh", "-c", #"echo "hi" $HOME"#])
        #expect(try CommandWords.split("  ") == [])
        #expect(throws: CommandWords.UnterminatedQuote.self) { try CommandWords.split("echo 'oops") }
    }

    @Test("a task's state follows its jobs")
    func state() {
        #expect(TaskState(counts: [.running: 1, .finished: 3], killed: false) == .running)
        #expect(TaskState(counts: [.finished: 3], killed: false) == .done)
        #expect(TaskState(counts: [.finished: 2, .failed: 1], killed: false) == .partiallyDone)
        #expect(TaskState(counts: [.failed: 2], killed: false) == .failed)
        #expect(TaskState(counts: [.cancelled: 2], killed: true) == .cancelled)
        #expect(TaskState(counts: [.cancelled: 1, .failed: 1], killed: true) == .cancelled)
        #expect(TaskState(counts: [.finished: 1, .cancelled: 1], killed: true) == .partiallyDone)
    }
}
