import PandaCore
import Testing

@Suite("names that become paths, URLs under a base, commands measured before expansion")
struct PathNameTests {
    @Test("the one validator refuses escapes, NUL and control characters, '%', and names too long; accepts plain names")
    func validator() {
        for name in ["", ".", "..", "../..", "a/b", "a\\b", ".hidden", "a..b", "a\u{0}b", "a\u{7f}", "a\u{85}", "%2e%2e", String(repeating: "x", count: 256)] {
            #expect(PathName.problem(name, as: .file, at: "lfn") != nil, "\(name.debugDescription)")
            #expect(PathName.problem(name, as: .scope, at: "scope") != nil, "\(name.debugDescription)")
        }
        for name in ["a b", "a?b", "a#b"] { #expect(PathName.problem(name, as: .file, at: "lfn") != nil) }
        for name in ["user.jdoe", "group.phys", "mc23_13p6TeV:data", "x-1_2"] { #expect(PathName.isSafe(name, as: .scope)) }
        #expect(PathName.problem("-x", as: .scope, at: "scope") != nil)
        #expect(PathName.problem("évènement.root", as: .scope, at: "scope") != nil)
        #expect(PathName.isSafe("évènement.root", as: .file))
        #expect(PathName.isSafe(String(repeating: "x", count: 255), as: .file))
        let message = PathName.problem("../" + String(repeating: "y", count: 10_000), as: .file, at: "lfn") ?? ""
        #expect(message.count < 200, "a long name is not echoed whole: \(message.count)")
    }

    @Test("a URL is under a base only after escapes and dot segments are resolved, on the same origin")
    func storagePaths() {
        #expect(StoragePath.isUnder("https://se.example/data/user.jdoe/f", base: "davs://SE.example/data"))
        #expect(StoragePath.isUnder("file:///srv/se/a/b", base: "/srv/se/"))
        #expect(StoragePath.isUnder("/srv/se//a", base: "file:///srv/se"))
        #expect(!StoragePath.isUnder("/srv/se", base: "/srv/se"), "the base itself is no file under it")
        #expect(!StoragePath.isUnder("/srv/se/../etc/passwd", base: "/srv/se"))
        #expect(!StoragePath.isUnder("file:///srv/se/%2e%2e/etc/passwd", base: "/srv/se"))
        #expect(!StoragePath.isUnder("file:///srv/se/a%2fb", base: "/srv/se"))
        #expect(!StoragePath.isUnder("/srv/sex/a", base: "/srv/se"))
        #expect(!StoragePath.isUnder("https://evil.example/data/f", base: "https://se.example/data"))
        #expect(!StoragePath.isUnder("https://se.example@evil.example/data/f", base: "https://se.example/data"))
        #expect(!StoragePath.isUnder("https://se.example/data/f?x=/", base: "https://se.example/data"))
        #expect(!StoragePath.isUnder("https://se.example/data/f", base: "file:///data"))
        #expect(!StoragePath.isUnder("root://se.example/data/f", base: "root://se.example/data"))
    }

    @Test("a command's expanded size is known from counts taken once, and equals what expansion makes")
    func commandMeasure() throws {
        let payload = Payload(executable: "run.sh", arguments: ["%IN", "-o", "%OUT", "--csv=%IN_CSV", "job-%JOB", "100%%"], environment: ["A": "b"])
        let inputs = ["a.root", "bb.root"], outputs = ["x.out"]
        let expanded = payload.arguments.flatMap { Placeholders.expand($0, Placeholders.Values(inputs: inputs, outputs: outputs, job: 12)) }
        let measured = CommandMeasure(payload).bytes(inputs: inputs, outputs: outputs, job: 12)
        #expect(measured == SpecLimits.commandBytes(arguments: expanded, environment: payload.environment))
        let huge = CommandMeasure(Payload(executable: "x", arguments: [String(repeating: "%IN", count: 1_000_000)]))
        #expect(huge.bytes(inputs: Array(repeating: "f.root", count: 100_000), outputs: [], job: 1) > 1 << 30, "measured, not built")
    }

    @Test("n_jobs past the limit is refused before a job is made; so is a job whose arguments would expand past command_bytes")
    func splitterBounds() {
        let task = TaskSpec(jobCount: Int.max, payload: Payload(executable: "/bin/true"))
        #expect(TaskSplitter(task: task, owner: "jdoe").sizeError() == .tooManyJobs(Int.max, limit: 200_000))
        #expect(throws: TaskSplitError.tooManyJobs(Int.max, limit: 200_000)) { try TaskSplitter(task: task, owner: "jdoe").jobs(inputs: []) }
        let files = (1...100).map { DatasetFile(scope: "user.jdoe", lfn: "file-\($0).root", size: 1, checksum: nil, replicas: []) }
        let repeated = TaskSpec(inputDatasets: ["user.jdoe.raw"], filesPerJob: 100,
                                payload: Payload(executable: "run.sh", arguments: [String(repeating: "%IN ", count: 1000)]))
        #expect(throws: TaskSplitError.self) {
            try TaskSplitter(task: repeated, owner: "jdoe", limits: SpecLimits(commandBytes: 64 << 10)).jobs(inputs: files)
        }
    }
}
