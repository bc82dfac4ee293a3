import Foundation
import PandaCore
import Testing
import TestSupport
@testable import PandaConfig

@Suite("task files and client settings")
struct TaskFileTests {
    @Test("a task file reads into the task the server splits")
    func valid() throws {
        let task = try TaskFile.load(text: """
            name: count
            exec: analyze.sh --mode "fast scan" %IN %OUT
            in_ds: [user.jdoe.raw, user.jdoe.more]
            out_ds: user.jdoe.counts
            files_per_job: 3
            memory: 2GB
            walltime: 2h
            env: { MODE: fast }
            """, file: "task.yaml")
        #expect(task.payload.executable == "analyze.sh")
        #expect(task.payload.arguments == ["--mode", "fast scan", "%IN", "%OUT"])
        #expect(task.inputDatasets == ["user.jdoe.raw", "user.jdoe.more"])
        #expect(task.filesPerJob == 3)
        #expect(task.resources.memory == .gigabytes(2))
        #expect(task.resources.walltime == .hours(2))
        #expect(task.payload.environment == ["MODE": "fast"])
    }

    @Test("what a task file leaves out keeps the user's defaults; what it says wins")
    func overDefaults() throws {
        let base = TaskSpec(queue: "Q1", priority: 7, maxAttempts: 5, payload: Payload(executable: ""),
                            resources: ResourceRequest(cores: 2, memory: .gigabytes(1), walltime: .hours(3)))
        let task = try TaskFile.load(text: "exec: run.sh\npriority: 3\nmemory: 4GB\n", file: "t.yaml", over: base)
        #expect(task.priority == 3 && task.resources.memory == .gigabytes(4))
        #expect(task.queue == "Q1" && task.maxAttempts == 5 && task.resources.cores == 2 && task.resources.walltime == .hours(3))
    }

    @Test("every problem of a task file is reported at its file:line:column")
    func errors() {
        let text = """
            exec: analyze.sh %IN %OUT2
            in_ds: user.jdoe.raw
            out_ds: user.jdoe.counts
            file_per_job: 3
            memory: lots
            cores: 0
            """
        #expect(throws: (any Error).self) { try TaskFile.load(text: text, file: "task.yaml") }
        do {
            _ = try TaskFile.load(text: text, file: "task.yaml")
        } catch .invalid(let diagnostics) {
            let lines = diagnostics.map(\.description)
            #expect(lines.contains("task.yaml:4:1: file_per_job: unknown key 'file_per_job' (did you mean 'files_per_job'?)"), "\(lines)")
            #expect(lines.contains { $0.hasPrefix("task.yaml:5:9: memory: ") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("task.yaml:6:8: cores: 0 is out of range") }, "\(lines)")
            #expect(lines.contains("task.yaml:1:7: exec: argument '%OUT2' uses %OUT2, but the task has 1 output"), "\(lines)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a task file needs a command, and gets exec or executable, not both")
    func command() {
        for (text, expected) in [("in_ds: x\n", "task.yaml:1:1: missing required key 'exec'"),
                                 ("exec: a\nexecutable: b\n", "task.yaml:1:7: exec: give exec, or executable with arguments, not both"),
                                 ("exec: \"echo 'x\"\n", "task.yaml:1:7: exec: unterminated ' quote in the command")] {
            do {
                _ = try TaskFile.load(text: text, file: "task.yaml")
                Issue.record("accepted \(text)")
            } catch .invalid(let diagnostics) {
                #expect(diagnostics.contains { $0.description.hasPrefix(expected) }, "\(diagnostics)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test("client.yaml: servers, a token file next to it, defaults; mistakes at their place")
    func clientSettings() throws {
        let scratch = try ScratchDirectory([
            "client.yaml": "server: [https://a.example:25443, https://b.example:25443]\ntoken_file: token\ndefaults: { memory: 4GB, files_per_job: 5, storage: SE }\n",
            "bad.yaml": "server: ftp://x\ndefaults: { memroy: 4GB }\n",
        ])
        defer { scratch.cleanUp() }
        let settings = try ClientSettings.load(path: scratch.path("client.yaml"), environment: [:])
        #expect(settings.servers == ["https://a.example:25443", "https://b.example:25443"])
        #expect(settings.tokenFile == scratch.path("token"))
        #expect(settings.defaults.memory == .gigabytes(4))
        #expect(settings.defaults.filesPerJob == 5)
        #expect(settings.defaults.storage == "SE")
        do {
            _ = try ClientSettings.load(path: scratch.path("bad.yaml"), environment: [:])
            Issue.record("bad.yaml accepted")
        } catch .invalid(let diagnostics) {
            let lines = diagnostics.map(\.description)
            #expect(lines.contains("\(scratch.path("bad.yaml")):1:9: server: 'ftp://x' is not an http:// or https:// URL"), "\(lines)")
            #expect(lines.contains { $0.hasPrefix("\(scratch.path("bad.yaml")):2:13: defaults.memroy: unknown key 'memroy'") }, "\(lines)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("the client.yaml and task file examples of docs/client.md read without errors")
    func documentedExamples() throws {
        let text = try String(contentsOf: Repository.root.appendingPathComponent("docs/client.md"), encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        try #require(blocks.count == 2)
        let scratch = try ScratchDirectory(["client.yaml": blocks[0]])
        defer { scratch.cleanUp() }
        let settings = try ClientSettings.load(path: scratch.path("client.yaml"), environment: ["HOME": "/home/jdoe"])
        #expect(settings.tokenFile == "/home/jdoe/.config/panda/token")
        #expect(settings.defaults.storage == "BNL_DATADISK")
        let task = try TaskFile.load(text: blocks[1], file: "client.md")
        #expect(task.payload.arguments == ["--mode", "fast scan", "%IN", "%OUT"])
        #expect(task.outputs == ["counts.txt"] && task.payload.container == "docker://alpine:3.20")
    }
}
