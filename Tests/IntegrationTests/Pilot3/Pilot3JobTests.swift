import Foundation
import PandaCore
import Testing

/// The unmodified PanDA pilot 3 from PyPI (3.7.0.36) runs panda's jobs:
/// getJob, stage-in with mv from a panda storage endpoint, the payload,
/// stage-out, updateJob. pilot3 3.7 always talks curl and form encoding;
/// the gzip-JSON encoding of later pilot3s is checked in Pilot3ProtocolTests.
/// Every job is submitted before pilot3 starts, since it sleeps 60-180 s
/// after an empty getJob. The suites run in parallel: a failed job's final
/// update comes about three minutes after the failure, whatever panda does.
@Suite("pilot3: the unmodified PanDA pilot 3 runs panda jobs")
struct Pilot3JobTests {
    @Test("a job with an input from storage, one output and a log ends finished; the catalogue lists the output with pilot3's adler32")
    func finishedJob() async throws {
        let site = try Pilot3Site()
        defer { site.cleanUp() }
        let contents = Data("input for pilot3\n".utf8)
        let input = try site.input(lfn: "in.dat", scope: "user.jdoe", contents: contents)
        let job = site.job("cat in.dat in.dat > out.dat", inputs: [input], outputs: [["lfn": "out.dat", "scope": "user.jdoe"]],
                           outputDataset: "user.jdoe.pilot3.out")
        let id = try await site.site.submit([job])[0]
        let pilot = try site.startPilot()
        defer { pilot.stop() }
        let done = try await site.site.wait(for: id, timeout: 150)
        #expect(done.status.state == .finished, "\(done.status.errorDiag ?? "") \(pilot.tail)")
        // pilot3 moved the output into the endpoint in Rucio's layout and reported its adler32.
        let path = site.storage + "/" + Pilot3Site.rucioPath(scope: "user.jdoe", lfn: "out.dat")
        let stored = try #require(FileManager.default.contents(atPath: path), "\(pilot.tail)")
        #expect(stored == contents + contents)
        var sum = Adler32()
        sum.update(Array(stored))
        let output = try #require(done.outputs.first { $0.lfn == "out.dat" })
        #expect(output.checksum == "ad:\(sum.hex)")
        #expect(output.url == "file://" + path)
        #expect(output.storage == "LOCAL")
        #expect(done.outputs.contains { $0.isLog && FileManager.default.fileExists(atPath: String($0.url.dropFirst("file://".count))) })
        #expect(done.history.map(\.state).contains(.starting))
        #expect(done.history.map(\.state).contains(.running))
        // The catalogue has it, as it would a native pilot's output.
        let dataset = try await site.server.get("/api/v1/dataset/get_files?name=user.jdoe.pilot3.out", token: site.site.user)
        let files = try dataset.decode(DatasetContents.self).files
        #expect(files.contains { $0.lfn == "out.dat" && $0.scope == "user.jdoe" && $0.checksum == "ad:\(sum.hex)" && $0.size == Int64(stored.count) })
        try pilot.wait(timeout: 120)
    }

    @Test("a payload exiting non-zero ends failed with pilot3's error code and diagnostic")
    func failedPayload() async throws {
        let site = try Pilot3Site()
        defer { site.cleanUp() }
        let id = try await site.site.submit([site.job("echo failing >&2; exit 3")])[0]
        let pilot = try site.startPilot()
        defer { pilot.stop() }
        let done = try await site.site.wait(for: id, timeout: 400)
        #expect(done.status.state == .failed, "\(pilot.tail)")
        // pilot3 3.7's code and words for a payload that exited non-zero (its
        // PAYLOADEXECUTIONFAILURE, PanDA's 1305), and the payload's exit code.
        #expect(done.status.errorCode == 1305, "\(done.status.errorDiag ?? "")")
        #expect(done.status.errorDiag == "Failed to execute payload")
        #expect(done.exitCode == 3)
    }

    @Test("panda kill during the payload: pilot3 gets tobekilled, kills it, and the job ends cancelled with 1144")
    func killedPayload() async throws {
        let site = try Pilot3Site()
        defer { site.cleanUp() }
        let id = try await site.site.submit([site.job("sleep 600")])[0]
        // A site may set its pilot3's heartbeat period in its configuration file; 1800 s is the default.
        let pilot = try site.startPilot(heartbeat: 5)
        defer { pilot.stop() }
        try await site.site.wait(for: id, state: .running, timeout: 90)
        let kill = try ClientUser("jdoe", server: site.server, token: site.site.user).panda(["kill", String(id)])
        #expect(kill.status == 0, "\(kill.stderr)")
        let done = try await site.site.wait(for: id, timeout: 400)
        #expect(pilot.log.contains("tobekilled"), "\(pilot.tail)")
        #expect(done.status.state == .cancelled, "\(done.status.state) \(pilot.tail)")
        #expect(done.status.errorCode == ErrorCode.killedByServer.number)
    }
}
