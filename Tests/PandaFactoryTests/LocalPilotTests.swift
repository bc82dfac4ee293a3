import Foundation
import PandaCore
@testable import PandaFactory
import PandaSystem
import Testing

/// Local pilots are known by pid and start time; the batch script writes the
/// token privately. Both against real processes.
@Suite("local pilots and pilot scripts")
struct LocalPilotTests {
    @Test("an id whose pid now belongs to another process is no state, and cancel does not signal that process")
    func recycledPid() async throws {
        let adapter = LocalAdapter()
        // A stranger the adapter never started: a child of the test, since
        // this machine's init ends orphaned processes. In a loaded parallel
        // run a stranger has also died of other causes (never of SIGTERM,
        // the only signal cancel sends); such a round is tried again.
        for _ in 0..<3 {
            let stranger = try ChildProcess.spawn("/bin/sleep", ["30"], environment: [:])
            defer { stranger.kill9() }
            let pid = stranger.pid
            guard let started = ProcessStat(pid: pid)?.startTime else { continue }
            let recycled = LocalPilotID(pid: pid, startTime: started - 1).description
            let same = LocalPilotID(pid: pid, startTime: started).description
            let states = try await adapter.status(of: [recycled, same, "\(pid)"])
            try await adapter.cancel([recycled, "\(pid)"])
            try await Task.sleep(for: .milliseconds(200))
            if stranger.isRunning {
                #expect(states == [same: .running], "an old-style id without a start time is gone too")
                return
            }
            let status = stranger.wait()
            #expect(status != 128 + SIGTERM, "cancel signalled a process that is not the recorded pilot")
            if status == 128 + SIGTERM { return }
        }
        Issue.record("three strangers in a row ended before the check could finish")
    }

    @Test("the batch script writes the token 0600 in the node's scratch and hands its path to the pilot")
    func tokenIsPrivate() async throws {
        let node = NSTemporaryDirectory() + "panda-script-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: node, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: node) }
        let launch = PilotLaunch(name: "panda-Q-abc", command: ["/usr/bin/stat", "-c", "%a %s", PilotScript.tokenFile], environment: [:],
                                 directory: "/nonexistent/spool", stdout: "/nonexistent/out", stderr: "/nonexistent/err", walltime: .hours(1),
                                 cores: 1, memory: .gigabytes(1), token: "aaaa.bbbb.cccc")
        let script = node + "/script.sh"
        try PilotScript(launch: launch, directives: [], redirectOutput: false).text.write(toFile: script, atomically: true, encoding: .utf8)
        var runner = CommandRunner(timeout: .seconds(10))
        runner.environment = ["PATH": "/usr/bin:/bin", "TMPDIR": node]
        let output = try await runner.check("/bin/sh", [script])
        #expect(output.stdout == "600 15\n", "0600, the token and its newline: \(output.stdout) \(output.stderr)")
    }
}
