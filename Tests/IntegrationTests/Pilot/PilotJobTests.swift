import Foundation
import PandaCore
import Testing

/// `panda pilot` running real payloads against a real server.
@Suite("pilot: running jobs", .serialized)
struct PilotJobTests {
    static let queue = "PQ: { read_from: [LOCAL], write_to: LOCAL, copytools: [cp], heartbeat: 1s, maxrss: 1GB, maxwdir: 1GB, maxtime: 1h }"

    @Test("a successful payload is reported finished with its output and log stored and checksummed")
    func success() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let id = try await site.submit([shellJob("echo hello; echo result > out.txt", queue: "PQ", outputs: ["out.txt"])])[0]
        let pilot = try site.runPilot("PQ")
        #expect(pilot.status == 0, "\(pilot.log)")
        let job = try await site.wait(for: id)
        #expect(job.status.state == .finished)
        #expect(job.exitCode == 0)
        let output = try #require(job.outputs.first { $0.lfn == "out.txt" })
        #expect(output.size == 7)
        var adler = Adler32()
        adler.update(Array("result\n".utf8))
        #expect(output.checksum == "ad:\(adler.hex)")
        #expect(FileManager.default.contents(atPath: site.storageDirectory + "/user.jdoe/out.txt") == Data("result\n".utf8))
        let log = try #require(job.outputs.first { $0.isLog })
        let listing = try PandaProcess.runTool("/bin/tar", ["tzf", site.storageDirectory + "/panda/" + log.lfn])
        #expect(listing.stdout.contains("payload.stdout") && listing.stdout.contains("pilot.log"), "\(listing.stdout)")
        let timings = try #require(job.timings)
        #expect(timings.payload > 0)
        // A payload this short is reported straight from sent to finished.
        #expect(job.history.map(\.state) == [.activated, .sent, .finished])
    }

    @Test("payload exit 3 is failed with 1305 and exit 2 with 1378; the log is still stored")
    func payloadExitCodes() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let ids = try await site.submit([shellJob("echo oops >&2; exit 3", queue: "PQ"), shellJob("exit 2", queue: "PQ")])
        let pilot = try site.runPilot("PQ")
        #expect(pilot.status == 0, "\(pilot.log)")
        let three = try await site.wait(for: ids[0])
        #expect(three.status.state == .failed)
        #expect(three.exitCode == 3)
        #expect(three.status.errorCode == 1305)
        #expect(three.outputs.contains { $0.isLog })
        let two = try await site.wait(for: ids[1])
        #expect(two.status.errorCode == 1378)
    }

    @Test("the symlink copy tool links local replicas into the work directory instead of copying them")
    func symlinkInputs() async throws {
        let site = try PilotSite(queues: ["LINKQ: { read_from: [LOCAL], write_to: LOCAL, copytools: [symlink, cp], maxrss: 1GB, maxwdir: 1GB }"])
        defer { site.cleanUp() }
        let source = site.storageDirectory + "/shared.dat"
        try Data("shared bytes\n".utf8).write(to: URL(fileURLWithPath: source))
        let input: [String: Any] = ["lfn": "shared.dat", "size": 13, "replicas": [["storage": "LOCAL", "url": "file://" + source]]]
        let id = try await site.submit([shellJob("test -L shared.dat && cat shared.dat > seen.txt", queue: "LINKQ",
                                                 outputs: ["seen.txt"], inputs: [input])])[0]
        _ = try site.runPilot("LINKQ")
        let job = try await site.wait(for: id)
        #expect(job.status.state == .finished, "\(job.status.errorDiag ?? "")")
        #expect(FileManager.default.contents(atPath: site.storageDirectory + "/user.jdoe/seen.txt") == Data("shared bytes\n".utf8))
        #expect(FileManager.default.fileExists(atPath: source), "the replica itself is untouched")
    }

    @Test("a job naming a container image runs under the queue's container_command with -- before the image; a queue without one refuses it at submission")
    func container() async throws {
        // A stand-in for apptainer: records its command line, checks `exec -- IMAGE`, runs the rest.
        let bin = NSTemporaryDirectory() + "panda-runtime-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: bin) }
        try """
            #!/bin/sh
            printf '%s\\n' "$@" > argv.txt
            [ "$1" = exec ] && [ "$2" = -- ] || exit 3
            shift 3
            exec "$@"
            """.write(toFile: bin + "/apptainer", atomically: true, encoding: .utf8)
        chmod(bin + "/apptainer", 0o755)
        let site = try PilotSite(queues: [
            "BOXQ: { write_to: LOCAL, maxrss: 1GB, maxwdir: 1GB, container_command: [\(bin)/apptainer, exec] }",
            "BAREQ: { write_to: LOCAL, maxrss: 1GB, maxwdir: 1GB }",
        ])
        defer { site.cleanUp() }
        var boxed = shellJob("echo inside >> argv.txt", queue: "BOXQ", outputs: ["argv.txt"])
        var payload = boxed["payload"] as! [String: Any]
        payload["container"] = "docker://alpine:3.20"
        boxed["payload"] = payload
        let ids = try await site.submit([boxed])
        _ = try site.runPilot("BOXQ")
        #expect(try await site.wait(for: ids[0]).status.state == .finished)
        let argv = FileManager.default.contents(atPath: site.storageDirectory + "/user.jdoe/argv.txt").map { String(decoding: $0, as: UTF8.self) }
        #expect(argv == "exec\n--\ndocker://alpine:3.20\n/bin/sh\n-c\necho inside >> argv.txt\ninside\n")

        var bare = boxed
        bare["queue"] = "BAREQ"
        bare["outputs"] = []
        let refused = try await site.server.post("/api/v1/job/submit", token: site.user, json: ["jobs": [bare]])
        #expect(refused.status == 400)
        #expect(refused.message.contains("queue BAREQ does not fit: runs no containers (no container_command) and the job asks for docker://alpine:3.20"),
                "\(refused.message)")
        bare["queue"] = nil
        let unbrokered = try await site.server.post("/api/v1/job/submit", token: site.user, json: ["jobs": [bare]])
        #expect(try unbrokered.decode(SubmitResult.self).jobs.map(\.queue) == ["BOXQ"],
                "brokerage places it only where containers run: \(unbrokered.message)")
    }

    @Test("an image reference that is a runtime option, or holds what the runtime would split, is refused at submission")
    func containerOptionsRefused() async throws {
        let site = try PilotSite(queues: ["BOXQ: { write_to: LOCAL, maxrss: 1GB, maxwdir: 1GB, container_command: [apptainer, exec] }"])
        defer { site.cleanUp() }
        for image in ["--privileged", "--bind=/:/host", "-v", "alpine --privileged", "alpine\n--privileged", "docker://x/../y", "a;b"] {
            var job = shellJob("true", queue: "BOXQ")
            var payload = job["payload"] as! [String: Any]
            payload["container"] = image
            job["payload"] = payload
            let reply = try await site.server.post("/api/v1/job/submit", token: site.user, json: ["jobs": [job]])
            #expect(reply.status == 400, "\(image) was accepted")
            #expect(reply.message.contains("payload.container"), "\(reply.message)")
        }
        for image in ["docker://registry.example:5000/ns/img:1.2@sha256:0123abcd", "/cvmfs/unpacked.cern.ch/atlas/athena:22.0", "library://sylabs/alpine"] {
            var job = shellJob("true", queue: "BOXQ")
            var payload = job["payload"] as! [String: Any]
            payload["container"] = image
            job["payload"] = payload
            #expect(try await site.server.post("/api/v1/job/submit", token: site.user, json: ["jobs": [job]]).status == 200, "\(image)")
        }
    }

    @Test("a declared output the payload did not write fails the job with 1103")
    func missingOutput() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let id = try await site.submit([shellJob("true", queue: "PQ", outputs: ["never.root"])])[0]
        _ = try site.runPilot("PQ")
        let job = try await site.wait(for: id)
        #expect(job.status.state == .failed)
        #expect(job.status.errorCode == 1103)
    }

    @Test("one pilot runs several jobs one after another, then exits when idle")
    func multiJob() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let ids = try await site.submit((0..<6).map { shellJob("echo \($0)", queue: "PQ", name: "j\($0)") })
        let pilot = try site.runPilot("PQ")
        #expect(pilot.status == 0)
        for id in ids {
            #expect(try await site.wait(for: id).status.state == .finished)
        }
        let pilots = Set(try await ids.asyncMap { try await site.describe($0).pilot })
        #expect(pilots.count == 1, "one pilot ran them all: \(pilots)")
        #expect(pilot.log.contains("exiting after 6 job(s)"), "\(pilot.log)")
    }

    @Test("--once runs one job and leaves the rest")
    func once() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let ids = try await site.submit([shellJob("true", queue: "PQ"), shellJob("true", queue: "PQ")])
        _ = try site.runPilot("PQ", arguments: ["--once"])
        let states = try await ids.asyncMap { try await site.describe($0).status.state }
        #expect(states.sorted() == [.activated, .finished])
    }

    @Test("the payload cannot read the pilot token: not in its environment, not in the pilot's, not in the token file")
    func tokenIsHidden() async throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let token = try #require(site.pilotTokens["PQ"])
        let tokenFile = site.server.directory + "/pilot.token"
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        let script = """
            { env; cat /proc/$PPID/environ; cat /proc/$PPID/cmdline; cat \(tokenFile); cat /proc/self/environ; } > found.txt 2>&1; true
            """
        let id = try await site.submit([shellJob(script, queue: "PQ", outputs: ["found.txt"])])[0]
        // The token is given both ways: in the file and in the environment.
        let pilot = try site.pilot("PQ", arguments: ["--idle-timeout", "0s", "--token-file", tokenFile])
        try pilot.wait(timeout: 30)
        let job = try await site.wait(for: id)
        #expect(job.status.state == .finished, "\(pilot.log)")
        let found = try #require(FileManager.default.contents(atPath: site.storageDirectory + "/user.jdoe/found.txt"))
        let text = String(decoding: found, as: UTF8.self)
        #expect(text.contains("PATH="), "the payload did read its environment: \(text.prefix(200))")
        let signature = String(token.split(separator: ".").last ?? "")
        #expect(!text.contains(signature), "the token leaked to the payload")
        #expect(!FileManager.default.fileExists(atPath: tokenFile), "the token file is removed once read")
    }

    @Test("a token file others can read is refused with its mode named")
    func tokenFileMode() throws {
        let site = try PilotSite(queues: [Self.queue])
        defer { site.cleanUp() }
        let tokenFile = site.server.directory + "/open.token"
        try "x".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o644)
        let pilot = try site.pilot("PQ", arguments: ["--token-file", tokenFile], tokenInEnvironment: false)
        try pilot.wait(timeout: 10)
        #expect(pilot.status == 1)
        #expect(pilot.log.contains("mode 644"), "\(pilot.log)")
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
