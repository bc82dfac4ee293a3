import Foundation
import PandaCore
import Testing

/// Issue 21, items 1, 2 and 15: the legacy route reads every number that
/// arrives as text with checked bounds, and names and storage paths with
/// the native route's validators. Each refusal is a 400 with PanDA's
/// StatusCode 50, the server lives on, and the job is as it was.
@Suite("pilot3: hostile numbers, names and paths on the legacy route")
struct Pilot3HostileInputTests {
    /// `k=v&…`, every byte but letters and digits percent-encoded, as curl's `--data-urlencode` would.
    static func form(_ fields: [(String, String)]) -> Data {
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
        return Data(fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&").utf8)
    }

    /// A job handed to pilot3 (getJob) and reported running: what every hostile update below aims at.
    static func runningJob(_ site: PilotSite, outputs: [[String: Any]] = []) async throws -> (id: Int64, token: String) {
        let token = try #require(site.pilotTokens["P3"])
        var spec: [String: Any] = ["name": "h", "queue": "P3", "max_attempts": 1, "payload": ["executable": "run.sh"], "outputs": outputs]
        // A report that got through would register its files in this dataset.
        if !outputs.isEmpty { spec["output_dataset"] = "user.jdoe.hostile" }
        let id = try await site.submit([spec])[0]
        let job = try await site.server.send("POST", "/server/panda/getJob", token: token,
                                             body: form([("siteName", "P3"), ("computingElement", "P3"), ("node", "wn01")]))
        #expect(job.json["PandaID"] as? String == String(id), "\(String(decoding: job.body, as: UTF8.self))")
        let running = try await site.server.send("POST", "/server/panda/updateJob", token: token,
                                                 body: form([("jobId", String(id)), ("state", "running"), ("attemptNr", "1")]))
        #expect(running.json["StatusCode"] as? Int == 0)
        return (id, token)
    }

    static func expectInvalid(_ reply: ServerProcess.Reply, naming field: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = String(decoding: reply.body, as: UTF8.self)
        #expect(reply.status == 400, "\(text)", sourceLocation: sourceLocation)
        #expect(reply.json["StatusCode"] as? Int == 50, "\(text)", sourceLocation: sourceLocation)
        #expect((reply.json["errorDialog"] as? String)?.contains(field) == true, "\(text)", sourceLocation: sourceLocation)
    }

    @Test("updateJob numbers beyond range or not finite get 400 naming the field; the server lives and the job is unchanged")
    func numbers() async throws {
        let site = try Pilot3ProtocolTests.site()
        defer { site.cleanUp() }
        let (id, token) = try await Self.runningJob(site)
        let hostile: [(field: String, value: String)] = [
            // kB times 1024 overflowed Int64 and killed the server (SIGILL).
            ("maxRSS", "9223372036854775807"), ("maxRSS", "9007199254740993"), ("maxRSS", "-1"), ("maxRSS", "1e30"),
            // nan reached the store's JSON encoder: 503 "the database failed".
            ("pilotTiming", "nan|1|2|3"), ("pilotTiming", "1|inf|2|3"), ("pilotTiming", "1e308|1|2|3|1e308|1e308"), ("pilotTiming", "1|-5|2|3"),
            ("cpuConsumptionTime", "nan"), ("cpuConsumptionTime", "-inf"), ("cpuConsumptionTime", "1e300"),
            ("attemptNr", "99999999999999999999"), ("attemptNr", "-1"), ("attemptNr", "1.5"),
            ("transExitCode", "1e300"), ("pilotErrorCode", "9223372036854775808"), ("exeErrorCode", "twelve"),
        ]
        for (field, value) in hostile {
            var fields = [("jobId", String(id)), ("state", "running"), ("attemptNr", "1")].filter { $0.0 != field }
            fields.append((field, value))
            let reply = try await site.server.send("POST", "/server/panda/updateJob", token: token, body: Self.form(fields))
            Self.expectInvalid(reply, naming: field)
            #expect(site.server.process?.isRunning == true, "the server died on \(field)=\(value): \(site.server.log_().suffix(2000))")
        }
        let job = try await site.describe(id)
        #expect(job.status.state == .running)
        #expect(job.maxRSS == nil && job.timings == nil && job.cpuSeconds == nil)
        // In range, the same fields are taken: kB become bytes, and "12.0" is a whole number.
        let fine = try await site.server.send("POST", "/server/panda/updateJob", token: token, body: Self.form([
            ("jobId", String(id)), ("state", "running"), ("attemptNr", "1.0"), ("maxRSS", "2048"), ("cpuConsumptionTime", "3.5"),
            ("pilotTiming", "1||30|4"),
        ]))
        #expect(fine.json["StatusCode"] as? Int == 0, "\(String(decoding: fine.body, as: UTF8.self))")
        let updated = try await site.describe(id)
        #expect(updated.maxRSS == ByteCount(bytes: 2048 * 1024))
        #expect(updated.timings == StepTimings(setup: 1, stageIn: 0, payload: 30, stageOut: 4))
    }

    @Test("getJob: a node or label with control characters, or memory out of range, gets 400 and nothing is dispatched or logged")
    func names() async throws {
        let site = try Pilot3ProtocolTests.site()
        defer { site.cleanUp() }
        let token = try #require(site.pilotTokens["P3"])
        let id = try await site.submit([["name": "n", "queue": "P3", "payload": ["executable": "run.sh"]]])[0]
        let base = [("siteName", "P3"), ("computingElement", "P3")]
        let forged = "wn01\n2026-12-01T00:00:00+0000 notice panda: forged line"
        for (field, value) in [("node", forged), ("node", "wn\u{1b}[31m"), ("node", String(repeating: "n", count: 300)),
                               ("prodSourceLabel", "managed\r\nX"), ("mem", "1e300"), ("mem", "-16000"), ("diskSpace", "nan"), ("diskSpace", "inf")] {
            let reply = try await site.server.send("POST", "/server/panda/getJob", token: token, body: Self.form(base + [(field, value)]))
            Self.expectInvalid(reply, naming: field)
        }
        #expect(try await site.describe(id).status.state == .activated)
        #expect(!site.server.log_().contains("forged line"), "the node reached the log")
        // What pilot3 measures is taken as it comes: megabytes with a fraction.
        let job = try await site.server.send("POST", "/server/panda/getJob", token: token,
                                             body: Self.form(base + [("mem", "15875.47265625"), ("diskSpace", "20000.5"), ("node", "wn01")]))
        #expect(job.json["PandaID"] as? String == String(id), "\(String(decoding: job.body, as: UTF8.self))")
    }

    @Test("updateJob xml: a surl that climbs out of the endpoint, however spelled, is refused and nothing is registered")
    func paths() async throws {
        let site = try Pilot3ProtocolTests.site()
        defer { site.cleanUp() }
        let base = site.storageDirectory
        let (id, token) = try await Self.runningJob(site, outputs: [["lfn": "out.root", "scope": "user.jdoe"]])
        for surl in ["file://localhost\(base)/../../../../etc/passwd", "file://localhost\(base)/user/%2e%2e/%2E%2E/../etc/passwd",
                     "file://localhost\(base)/./user/out.root", "file://localhost\(base)/user/out.root?x=1", "file://localhost\(base)/a%00b"] {
            let xml = #"{"out.root": {"guid": "", "fsize": 1, "adler32": "00000001", "surl": "\#(surl)", "endpoint": "LOCAL"}}"#
            let reply = try await site.server.send("POST", "/server/panda/updateJob", token: token, body: Self.form([
                ("jobId", String(id)), ("state", "finished"), ("attemptNr", "1"), ("xml", xml),
            ]))
            Self.expectInvalid(reply, naming: "out.root")
        }
        for size in ["-1", "9223372036854775807"] {
            let xml = #"{"out.root": {"fsize": "\#(size)", "adler32": "00000001", "surl": "file://localhost\#(base)/user/out.root"}}"#
            let reply = try await site.server.send("POST", "/server/panda/updateJob", token: token, body: Self.form([
                ("jobId", String(id)), ("state", "finished"), ("attemptNr", "1"), ("xml", xml),
            ]))
            Self.expectInvalid(reply, naming: "fsize")
        }
        // A malformed report says which field, not the decoder's own text.
        let malformed = try await site.server.send("POST", "/server/panda/updateJob", token: token, body: Self.form([
            ("jobId", String(id)), ("state", "finished"), ("attemptNr", "1"), ("xml", #"{"out.root": {"fsize": 1}}"#),
        ]))
        Self.expectInvalid(malformed, naming: "surl")
        let dialog = malformed.json["errorDialog"] as? String ?? ""
        #expect(!dialog.contains("DecodingError") && !dialog.contains("CodingKeys"), "\(dialog)")
        #expect(try await site.describe(id).status.state == .running)
        let datasets = try await site.server.get("/api/v1/datasets", token: site.user).decode([DatasetSummary].self)
        #expect(datasets.isEmpty, "\(datasets)")
    }
}
