import Foundation
import PandaCore
import Testing

/// What a physicist does, end to end: register data on a WebDAV storage
/// element (nginx), run a task over it with real pilots, fetch a job's log,
/// and chain a second task over the first one's outputs.
@Suite("client: chained tasks through nginx WebDAV with real pilots", .serialized)
struct ClientChainTests {
    @Test("upload and register inputs, run task 1, read its outputs in task 2, fetch logs")
    func chain() async throws {
        let (se, site) = try PilotStorageTests.davSite()
        defer {
            site.cleanUp()
            se.cleanUp()
        }
        let jdoe = try ClientUser("jdoe", server: site.server, token: site.user)
        let inputs = try jdoe.files(["a.txt": "1\n2\n", "b.txt": "1\n2\n3\n", "c.txt": "1\n"])
        let added = try jdoe.panda(["dataset", "add", "user.jdoe.raw", "--storage", "DAV", "--upload"] + inputs)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("uploaded \(inputs[0]) to \(se.url)/store/user.jdoe/a.txt"), "\(added.stdout)")
        let raw = try jdoe.json(DatasetContents.self, ["dataset", "ls", "user.jdoe.raw"])
        #expect(raw.files.map(\.lfn) == ["a.txt", "b.txt", "c.txt"])
        #expect(raw.files[1].replicas == [Replica(storage: "DAV", url: "\(se.url)/store/user.jdoe/b.txt")])
        #expect(raw.files[1].checksum == "ad:" + adler("1\n2\n3\n"))

        // Files already on the storage element, by URL: read to get size and adler32, or as given.
        let byURL = try jdoe.panda(["dataset", "add", "user.jdoe.urls", "--storage", "DAV", "\(se.url)/store/user.jdoe/a.txt"])
        #expect(byURL.status == 0, "\(byURL.stderr)")
        let given = try jdoe.panda(["dataset", "add", "user.jdoe.urls", "--storage", "DAV", "\(se.url)/store/user.jdoe/b.txt",
                                    "--size", "6", "--checksum", "ad:" + adler("1\n2\n3\n")])
        #expect(given.status == 0, "\(given.stderr)")
        let urls = try jdoe.json(DatasetContents.self, ["dataset", "ls", "user.jdoe.urls"]).files
        #expect(urls.map(\.checksum) == ["ad:" + adler("1\n2\n"), "ad:" + adler("1\n2\n3\n")])
        #expect(urls.map(\.size) == [4, 6])
        let ambiguous = try jdoe.panda(["dataset", "add", "x", "--storage", "DAV", "--size", "1", "--checksum", "ad:00000001", inputs[0], inputs[1]])
        #expect(ambiguous.status != 0 && ambiguous.stderr.contains("--size and --checksum describe one URL"), "\(ambiguous.stderr)")

        // Task 1: count each file's lines; one job per file.
        let first = try jdoe.panda(["submit", "--exec", "sh -c 'wc -l < %IN > %OUT; echo counted %IN'", "--in-ds", "user.jdoe.raw",
                                    "--out-ds", "user.jdoe.counts", "--outputs", "n.txt", "--walltime", "10m", "--queue", "DQ"])
        #expect(first.stdout.hasSuffix(": 3 jobs (DQ 3)\n"), "\(first.stdout)\(first.stderr)")
        let task1 = try #require(ClientUser.taskID(in: first.stdout))
        let pilot1 = try site.runPilot("DQ")
        #expect(pilot1.status == 0, "\(pilot1.log)")
        let watched = try jdoe.panda(["watch", String(task1)])
        #expect(watched.status == 0, "\(watched.stdout)\(watched.stderr)")
        #expect(watched.stdout.contains("task \(task1) done: 3/3 ended; finished 3"), "\(watched.stdout)")

        let counts = try jdoe.json(DatasetContents.self, ["dataset", "ls", "user.jdoe.counts"])
        #expect(counts.files.filter { !$0.isLog }.map(\.lfn) == (1...3).map { "user.jdoe.counts._00000\($0).n.txt" })
        #expect(counts.files.filter(\.isLog).count == 3)
        #expect(counts.files.allSatisfy { $0.replicas.first?.url.hasPrefix("\(se.url)/store/user.jdoe/user.jdoe.counts._00000") ?? false },
                "\(counts.files)")

        // The log of the job that read b.txt.
        let jobs = try jdoe.json([JobStatus].self, ["jobs", "--task", String(task1)])
        let second = try #require(jobs.first { $0.name == "user.jdoe.counts#2" })
        let listing = try jdoe.panda(["logs", String(second.id)])
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdout.contains("user.jdoe.counts._000002.log.tgz (\(se.url)/store/user.jdoe/user.jdoe.counts._000002.log.tgz)"), "\(listing.stdout)")
        #expect(listing.stdout.contains("panda.\(second.id).1/payload.stdout"), "\(listing.stdout)")
        let stdout = try jdoe.panda(["logs", String(second.id), "--cat", "payload.stdout"])
        #expect(stdout.stdout == "counted b.txt\n", "\(stdout.stdout)\(stdout.stderr)")
        let extracted = try jdoe.panda(["logs", String(second.id), "--extract", jdoe.home + "/logs"])
        #expect(extracted.status == 0, "\(extracted.stderr)")
        #expect(FileManager.default.fileExists(atPath: jdoe.home + "/logs/panda.\(second.id).1/pilot.log"))

        // Task 2 reads task 1's outputs (not its logs) and sums them.
        let chained = try jdoe.panda(["submit", "--exec", "sh -c \"awk '{s+=\\$1} END {print s}' %IN > %OUT\"", "--in-ds", "user.jdoe.counts",
                                      "--out-ds", "user.jdoe.total", "--files-per-job", "10", "--queue", "DQ"])
        #expect(chained.stdout.hasSuffix(": 1 job (DQ 1)\n"), "\(chained.stdout)\(chained.stderr)")
        let task2 = try #require(ClientUser.taskID(in: chained.stdout))
        let pilot2 = try site.runPilot("DQ")
        #expect(pilot2.status == 0, "\(pilot2.log)")
        let done = try jdoe.panda(["watch", String(task2)])
        #expect(done.status == 0, "\(done.stdout)\(done.stderr)")
        let total = try jdoe.json(DatasetContents.self, ["dataset", "ls", "user.jdoe.total"]).files.first { !$0.isLog }
        let url = try #require(total?.replicas.first?.url)
        let fetched = try PandaProcess.runTool("/usr/bin/curl", ["-sf", url])
        #expect(fetched.stdout == "6\n", "sum of 2, 3 and 1 lines: \(fetched.stdout)")
        let job2 = try #require(try jdoe.json([JobStatus].self, ["jobs", "--task", String(task2)]).first)
        let description = try jdoe.json(JobDescription.self, ["show", String(job2.id)])
        #expect(description.spec.inputs.map(\.lfn) == (1...3).map { "user.jdoe.counts._00000\($0).n.txt" })
    }
}
