import Foundation
import PandaCore
import Testing

/// The legacy dispatcher's protocol, spoken by a client written like pilot3
/// master's `request2` (`pilot/util/https.py`): Python's urllib, the body
/// gzip(json.dumps(data)) with `Content-Type: application/json` and no
/// `Content-Encoding`, JSON types as they are, the reply read as JSON only
/// when it starts with `{` and ends with `}`. pilot3 3.7.0.36, which the
/// job tests run, always uses curl and form encoding instead.
@Suite("pilot3: the legacy protocol in both encodings")
struct Pilot3ProtocolTests {
    /// pilot3 master's request2, reduced to what reaches the server.
    static let request2 = """
        import gzip, io, json, sys, urllib.request, urllib.error
        from urllib.parse import parse_qs
        url, token, data = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
        headers = {'Content-Type': 'application/json', 'Origin': 'panda'}
        if token:
            headers['Authorization'] = 'Bearer ' + token
        out = io.BytesIO()
        with gzip.GzipFile(fileobj=out, mode='w') as f:
            f.write(json.dumps(data).encode())
        req = urllib.request.Request(url, out.getvalue(), headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                status, ret = response.status, response.read().decode('utf-8')
        except urllib.error.HTTPError as exc:
            status, ret = exc.code, exc.read().decode('utf-8')
        raw = ret
        if ret.startswith('{') and ret.endswith('}'):
            ret = json.loads(ret)
        else:
            ret = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(ret).items()}
        print(json.dumps({'status': status, 'raw': raw, 'reply': ret}))
        """

    struct Answer: Decodable {
        let status: Int
        let raw: String
        let reply: [String: LooseValue]

        func string(_ key: String) -> String? { reply[key]?.text }
    }

    /// A reply value, whatever its JSON type.
    struct LooseValue: Decodable {
        let text: String
        init(from decoder: Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let int = try? value.decode(Int.self) { text = String(int) } else if let string = try? value.decode(String.self) { text = string } else { text = "?" }
        }
    }

    static func send(_ site: PilotSite, _ call: String, token: String?, _ data: [String: Any]) throws -> Answer {
        let script = site.server.directory + "/request2.py"
        if !FileManager.default.fileExists(atPath: script) { try request2.write(toFile: script, atomically: true, encoding: .utf8) }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: data), as: UTF8.self)
        let result = try PandaProcess.runTool("/usr/bin/python3", [script, "http://127.0.0.1:\(site.server.port)/server/panda/\(call)", token ?? "", json])
        guard result.status == 0 else { throw ServerProcessError("request2 failed: \(result.stderr)") }
        return try JSONDecoder().decode(Answer.self, from: Data(result.stdout.utf8))
    }

    static func site() throws -> PilotSite {
        try PilotSite(queues: ["P3: { read_from: [LOCAL], write_to: LOCAL, maxrss: 2GB, maxwdir: 5GB, maxtime: 1h }",
                               "OTHER: { write_to: LOCAL, maxrss: 2GB, maxwdir: 5GB }"])
    }

    /// What pilot3 master's getJob sends (`control/job.py`), with its JSON types.
    static func getJob(_ queue: String = "P3") -> [String: Any] {
        ["siteName": queue, "computingElement": queue, "prodSourceLabel": "managed", "diskSpace": 20000, "workingGroup": "",
         "cpu": 2300.0, "mem": 16000.0, "node": "wn01", "allowOtherCountry": false]
    }

    @Test("gzip-JSON getJob and updateJob take a job to finished, its files in the catalogue; replies are bare JSON objects")
    func gzipJSONJob() async throws {
        let site = try Self.site()
        defer { site.cleanUp() }
        let token = try #require(site.pilotTokens["P3"])
        let id = try await site.submit([["name": "gz", "queue": "P3", "max_attempts": 1, "output_dataset": "user.jdoe.gz",
                                         "payload": ["executable": "http://example.org/trf/run.sh", "arguments": ["a b", "c"]],
                                         "outputs": [["lfn": "out.root", "scope": "user.jdoe"]]]])[0]
        let job = try Self.send(site, "getJob", token: token, Self.getJob())
        #expect(job.status == 200)
        #expect(job.raw.hasPrefix("{") && job.raw.hasSuffix("}"), "\(job.raw)")
        #expect(job.string("StatusCode") == "0")
        #expect(job.string("PandaID") == String(id))
        #expect(job.string("transformation") == "http://example.org/trf/run.sh")
        #expect(job.string("jobPars") == "'a b' c")
        #expect(job.string("outFiles") == "out.root,panda.\(id).1.log.tgz")
        #expect(job.string("scopeOut") == "user.jdoe")
        #expect(job.string("ddmEndPointOut") == "LOCAL,LOCAL")
        #expect(job.string("coreCount") == "1")
        let attempt = try #require(job.string("attemptNr").flatMap(Int.init))

        for state in ["starting", "running", "running"] {
            let reply = try Self.send(site, "updateJob", token: token, ["jobId": String(id), "state": state, "attemptNr": attempt,
                                                                          "timestamp": "2026-12-01T10:00:00+00:00", "node": "wn01"])
            #expect(reply.string("command") == "NULL", "\(reply.raw)")
        }
        let base = site.storageDirectory
        let xml = """
            {"out.root": {"guid": "", "fsize": 1234, "adler32": "0a1b2c3d", "surl": "file://localhost\(base)/user/jdoe/aa/bb/out.root", "endpoint": "LOCAL"},
             "panda.\(id).1.log.tgz": {"guid": "X", "fsize": 99, "adler32": "00000001", "surl": "file://localhost\(base)/panda/cc/dd/panda.\(id).1.log.tgz", "endpoint": "LOCAL"}}
            """
        let final = try Self.send(site, "updateJob", token: token, [
            "jobId": String(id), "state": "finished", "attemptNr": attempt, "xml": xml, "transExitCode": 0, "pilotErrorCode": 0,
            "pilotTiming": "1|2|30|4|5|6", "cpuConsumptionTime": 12.5, "maxRSS": 2048, "startTime": 1796119000.5, "endTime": 1796119040.25,
        ])
        #expect(final.raw.hasPrefix("{") && final.raw.hasSuffix("}"), "\(final.raw)")
        #expect(final.string("StatusCode") == "0" && final.string("command") == "NULL")
        let done = try await site.describe(id)
        #expect(done.status.state == .finished)
        #expect(done.cpuSeconds == 12.5)
        #expect(done.maxRSS == ByteCount(bytes: 2048 * 1024))
        #expect(done.timings == StepTimings(setup: 12, stageIn: 2, payload: 30, stageOut: 4))
        let output = try #require(done.outputs.first { $0.lfn == "out.root" })
        #expect(output.url == "file://\(base)/user/jdoe/aa/bb/out.root")
        #expect(output.checksum == "ad:0a1b2c3d")
        let dataset = try await site.server.get("/api/v1/dataset/get_files?name=user.jdoe.gz", token: site.user).decode(DatasetContents.self)
        #expect(Set(dataset.files.map(\.lfn)) == ["out.root", "panda.\(id).1.log.tgz"])
    }

    @Test("nothing to do is StatusCode 20; refusals carry a StatusCode too, so pilot3 never takes them for a job")
    func refusals() async throws {
        let site = try Self.site()
        defer { site.cleanUp() }
        let token = try #require(site.pilotTokens["P3"])
        let empty = try Self.send(site, "getJob", token: token, Self.getJob())
        #expect(empty.string("StatusCode") == "20", "\(empty.raw)")
        let anonymous = try Self.send(site, "getJob", token: nil, Self.getJob())
        #expect(anonymous.status == 401)
        #expect(anonymous.string("StatusCode").map { $0 != "0" } == true, "\(anonymous.raw)")
        let otherQueue = try Self.send(site, "getJob", token: token, Self.getJob("OTHER"))
        #expect(otherQueue.status == 403)
        #expect(otherQueue.string("StatusCode").map { $0 != "0" } == true)
        let user = try Self.send(site, "getJob", token: site.user, Self.getJob())
        #expect(user.status == 403)

        // A second pilot token of the same queue cannot report on the job the first one holds.
        let id = try await site.submit([["name": "j", "queue": "P3", "payload": ["executable": "run.sh"]]])[0]
        let job = try Self.send(site, "getJob", token: token, Self.getJob())
        #expect(job.string("PandaID") == String(id))
        let intruder = try site.server.token("pilot-intruder", scope: "pilot", queues: ["P3"])
        let stolen = try Self.send(site, "updateJob", token: intruder, ["jobId": String(id), "state": "failed", "attemptNr": 1])
        #expect(stolen.status == 409, "\(stolen.raw)")
        #expect(try await site.describe(id).status.state == .sent)
        // Files that are not the job's are refused, and change nothing.
        let foreign = try Self.send(site, "updateJob", token: token, [
            "jobId": String(id), "state": "finished", "attemptNr": 1,
            "xml": #"{"passwd": {"fsize": 1, "adler32": "00000001", "surl": "file://localhost/etc/passwd"}}"#,
        ])
        #expect(foreign.status == 400, "\(foreign.raw)")
        #expect(try await site.describe(id).status.state == .sent)
    }

    @Test("a gzip body that inflates past the request body limit gets 413 before it is inflated in full")
    func gzipBomb() async throws {
        let site = try Self.site()
        defer { site.cleanUp() }
        let token = try #require(site.pilotTokens["P3"])
        let bomb = site.server.directory + "/bomb.gz"
        // 64 MiB of zeros, about 64 KiB compressed: far under the 8 MiB limit on the wire.
        let made = try PandaProcess.runTool("/bin/sh", ["-c", "head -c 67108864 /dev/zero | gzip -c > \"$0\"", bomb])
        #expect(made.status == 0)
        let body = try #require(FileManager.default.contents(atPath: bomb))
        #expect(body.count < 1 << 20)
        let reply = try await site.server.send("POST", "/server/panda/getJob", token: token, body: body)
        #expect(reply.status == 413)
        #expect(reply.json["StatusCode"] as? Int == 50)
    }

    @Test("form encoding as pilot3's curl sends it: every value a string")
    func formEncoding() async throws {
        let site = try Self.site()
        defer { site.cleanUp() }
        let token = try #require(site.pilotTokens["P3"])
        let id = try await site.submit([["name": "f", "queue": "P3", "payload": ["executable": "run.sh"]]])[0]
        let form = "siteName=P3&computingElement=P3&prodSourceLabel=managed&diskSpace=20000&workingGroup=&cpu=2300.0&mem=16000.0&node=wn+01&allowOtherCountry=False"
        let result = try PandaProcess.runTool("/usr/bin/curl", [
            "-sS", "--compressed", "-H", "Authorization: Bearer \(token)", "-H", "Accept: application/json", "-H", "Origin: panda",
            "--data", form, "http://127.0.0.1:\(site.server.port)/server/panda/getJob",
        ])
        let job = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect(job["PandaID"] as? String == String(id))
        #expect(try await site.describe(id).node == "wn 01")
        let update = try PandaProcess.runTool("/usr/bin/curl", [
            "-sS", "-H", "Authorization: Bearer \(token)", "--data", "jobId=\(id)&state=starting&attemptNr=1&timestamp=2026-12-01T10%3A00%3A00",
            "http://127.0.0.1:\(site.server.port)/server/panda/updateJob",
        ])
        let reply = try JSONSerialization.jsonObject(with: Data(update.stdout.utf8)) as? [String: Any]
        #expect(reply?["StatusCode"] as? Int == 0 && reply?["command"] as? String == "NULL", "\(update.stdout)")
        #expect(try await site.describe(id).status.state == .starting)
    }

    @Test("queuedata and storage data in pilot3's shape, from the YAML; an unknown queue is an error pilot3 recognises")
    func queueData() async throws {
        let site = try Self.site()
        defer { site.cleanUp() }
        let queue = try await site.server.get("/server/panda/queuedata?queue=P3", token: nil)
        let fields = try #require(queue.json as [String: Any]?)
        #expect(fields["nickname"] as? String == "P3")
        #expect(fields["catchall"] as? String == "mv_final_destination")
        #expect((fields["acopytools"] as? [String: [String]])?["pr"] == ["mv"])
        #expect((fields["acopytools"] as? [String: [String]])?["write_lan"] == ["mv"])
        #expect(fields["maxwdir"] as? Int == 4769)   // 5 GB in MiB, rounded up
        let storage = try await site.server.get("/server/panda/storagedata", token: nil).json
        let local = try #require(storage["LOCAL"] as? [String: Any])
        let write = try #require((local["arprotocols"] as? [String: [[String: String]]])?["write_lan"]?.first)
        #expect(write["endpoint"] == "file://localhost")
        #expect(write["path"] == site.storageDirectory)
        #expect(local["is_deterministic"] as? Bool == true)
        let schedconfig = try await site.server.get("/server/panda/schedconfig?queue=P3", token: nil).json
        #expect((schedconfig["P3"] as? [String: Any])?["nickname"] as? String == "P3")
        let unknown = try await site.server.get("/server/panda/queuedata?queue=NOPE", token: nil)
        #expect(unknown.status == 404)
        #expect(unknown.json["error"] != nil)
    }
}
