import Foundation
import Testing

/// `panda show` and the monitor's job page describe a job's command and
/// resource request the same way, and completely.
@Suite("panda show and the monitor: a job's command and request")
struct JobDescriptionTextTests {
    @Test("the command keeps its quoting and every requested resource is shown, the ones left to the queue named as such")
    func commandAndRequest() async throws {
        let setup = try MonitorSetup()
        defer { setup.stop() }
        let alice = try ClientUser("alice", server: setup.server)
        let job: [String: Any] = ["name": "quoted", "queue": "Q1",
                                  "payload": ["executable": "/bin/sh", "arguments": ["-c", "echo \"a b\" it's"]],
                                  "resources": ["cores": 2, "disk": "3GB", "walltime": "10m"]]
        let submitted = try await setup.server.post("/api/v1/job/submit", token: alice.token, json: ["jobs": [job]])
        try #require(submitted.status == 200, "\(submitted.message)")

        let show = try alice.panda(["show", "1"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains(#"command:    /bin/sh -c 'echo "a b" it'\''s'"#), "\(show.stdout)")
        #expect(show.stdout.contains("resources:  2 cores, memory the queue's limit, disk 3GB, walltime 10m"), "\(show.stdout)")

        try setup.startMonitor()
        let page = try setup.fetch("/jobs/1")
        #expect(page.status == 200)
        #expect(page.body.contains(#"<code>/bin/sh -c &#39;echo &quot;a b&quot; it&#39;\&#39;&#39;s&#39;</code>"#), "the command as a shell reads it")
        #expect(page.body.contains("2 cores, memory the queue&#39;s limit, disk 3GB, walltime 10m"), "every part of the request")
    }
}
