import Foundation
import PandaCore
import PandaSystem
import TestSupport

/// A panda server with a queue served to the unmodified PanDA pilot 3,
/// a loopback HTTP server for pilot3's transformations, and the means to
/// run pilot3 against them as docs/pilot3.md tells a site to.
final class Pilot3Site: @unchecked Sendable {
    let site: PilotSite
    let transformations: Pilot3Transformations
    static let queue = "P3"

    init() throws {
        site = try PilotSite(queues: ["\(Self.queue): { read_from: [LOCAL], write_to: LOCAL, maxrss: 2GB, maxwdir: 5GB, maxtime: 1h }"])
        do {
            transformations = try Pilot3Transformations()
        } catch {
            site.cleanUp()
            throw error
        }
    }

    var server: ServerProcess { site.server }
    var storage: String { site.storageDirectory }

    func cleanUp() {
        transformations.stop()
        site.cleanUp()
    }

    /// A job for pilot3: `script` runs through the transformation in the job's work directory.
    func job(_ script: String, name: String = "pilot3", queue: String = Pilot3Site.queue, inputs: [[String: Any]] = [],
             outputs: [[String: Any]] = [], outputDataset: String? = nil) -> [String: Any] {
        var job: [String: Any] = ["name": name, "queue": queue, "max_attempts": 1,
                                  "payload": ["executable": Pilot3Transformations.baseURL + "/run.sh", "arguments": [script]],
                                  "inputs": inputs, "outputs": outputs]
        if let outputDataset { job["output_dataset"] = outputDataset }
        return job
    }

    /// Puts a file in the LOCAL endpoint at Rucio's deterministic path, where
    /// pilot3's mv reads inputs, and describes it as a job input.
    func input(lfn: String, scope: String, contents: Data) throws -> [String: Any] {
        let path = storage + "/" + Self.rucioPath(scope: scope, lfn: lfn)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(to: URL(fileURLWithPath: path))
        var sum = Adler32()
        sum.update(Array(contents))
        return ["lfn": lfn, "scope": scope, "size": contents.count, "checksum": "ad:\(sum.hex)",
                "replicas": [["storage": "LOCAL", "url": "file://" + path]]]
    }

    /// `<scope, dots as folders>/<md5(scope:lfn)[0:2]>/<[2:4]>/<lfn>`, computed by md5sum.
    static func rucioPath(scope: String, lfn: String) -> String {
        let hex = (try? PandaProcess.runTool("/bin/sh", ["-c", "printf %s \"$0\" | md5sum", "\(scope):\(lfn)"]).stdout.prefix(32)).map(String.init) ?? ""
        return (scope.split(separator: ".").map(String.init) + [String(hex.prefix(2)), String(hex.dropFirst(2).prefix(2)), lfn])
            .joined(separator: "/")
    }

    /// Starts pilot3 for one job in its own PID namespace (its
    /// kill_orphans() would otherwise kill every orphaned process group of
    /// the user, the test runner's included), with $PILOT_NOKILL as well.
    func startPilot(heartbeat: Int = 1800) throws -> Pilot3Process {
        let home = server.directory + "/pilot3-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        // No trailing newline: pilot3 puts the file's text into a curl -H as it is.
        try Data((site.pilotTokens[Self.queue] ?? "").utf8).write(to: URL(fileURLWithPath: home + "/pilot.token"))
        let config = home + "/pilot3.cfg"
        try Pilot3Install.defaultConfig().replacingOccurrences(of: "\nheartbeat: 1800\n", with: "\nheartbeat: \(heartbeat)\n")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let server = "http://127.0.0.1:\(self.server.port)"
        let root = try Pilot3Install.root
        let environment = [
            "PATH": "/usr/bin:/bin", "HOME": home,
            "OIDC_AUTH_TOKEN": "pilot.token", "OIDC_AUTH_DIR": home + "/", "OIDC_AUTH_ORIGIN": "panda",
            "PILOT_NOKILL": "1", "HARVESTER_PILOT_CONFIG": config,
            "LOCAL_AGIS_SCHEDCONF": "\(server)/server/panda/schedconfig?queue=\(Self.queue)",
            "http_proxy": transformations.proxy, "no_proxy": "127.0.0.1,localhost",
        ]
        let arguments = [
            "--pid", "--fork", "--kill-child", "--mount-proc", root + "/venv/bin/python", "-P", root + "/pilot.py",
            "-q", Self.queue, "-j", "managed", "--pilot-user", "generic", "-w", "generic", "-t", "-d",
            "--url", "http://127.0.0.1", "-p", String(self.server.port),
            "--queuedata-url", "\(server)/server/panda/queuedata?queue={pandaqueue}",
            "--storagedata-url", "\(server)/server/panda/storagedata",
            "--input-destination-dir", storage, "-v", "1", "-x", "1", "-l", "900",
        ]
        let process = try ChildProcess.spawn("/usr/bin/unshare", arguments, environment: environment, stdout: home + "/pilot3.out",
                                             directory: home)
        return Pilot3Process(process: process, home: home)
    }
}

/// One pilot3 run (its PID namespace's first process).
final class Pilot3Process: @unchecked Sendable {
    let process: ChildProcess
    let home: String

    init(process: ChildProcess, home: String) {
        self.process = process
        self.home = home
    }

    var log: String { (try? String(contentsOfFile: home + "/pilot3.out", encoding: .utf8)) ?? "" }

    /// The last lines of its log, for a failed expectation.
    var tail: String { log.split(separator: "\n").suffix(40).joined(separator: "\n") }

    /// Ends it: SIGKILL to unshare's child ends the namespace and all in it.
    func stop() {
        if process.isRunning { process.kill9() }
        _ = process.wait(timeout: 10)
    }

    func wait(timeout: TimeInterval) throws {
        guard process.wait(timeout: timeout) != nil else {
            stop()
            throw ServerProcessError("pilot3 did not exit within \(timeout) s:\n\(tail)")
        }
    }
}

/// A loopback HTTP server for pilot3's transformations. pilot3 3.7
/// downloads one only from two hard-coded base URLs
/// (`user/generic/setup.py`); jobs name one of them, and pilot3's curl is
/// pointed at this server as its `http_proxy`, which serves files by the
/// URL's path. pilot3's own requests to panda go direct (`no_proxy`).
final class Pilot3Transformations: @unchecked Sendable {
    static let baseURL = "http://pandaserver-doma.cern.ch:25080/trf/user"
    let directory: String
    let port: Int
    private var process: ChildProcess?

    init() throws {
        directory = NSTemporaryDirectory() + "panda-trf-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/files/trf/user", withIntermediateDirectories: true)
        // The one transformation the tests use: runs its argument as a shell script.
        try "#!/bin/sh\nexec /bin/sh -c \"$1\"\n".write(toFile: directory + "/files/trf/user/run.sh", atomically: true, encoding: .utf8)
        port = try ServerProcess.freePort()
        try start()
    }

    /// The value of pilot3's `http_proxy`.
    var proxy: String { "http://127.0.0.1:\(port)" }

    func stop() {
        _ = process?.terminate()
        process = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func start() throws {
        let script = directory + "/transformations.py"
        try """
            # Serves files by the path of the URL, also for proxy (absolute-URI) requests.
            import http.server, os, sys, urllib.parse
            root = os.path.realpath(sys.argv[2])
            class Files(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    path = os.path.realpath(os.path.join(root, urllib.parse.urlsplit(self.path).path.lstrip('/')))
                    if not path.startswith(root + '/') or not os.path.isfile(path):
                        self.send_error(404)
                        return
                    data = open(path, 'rb').read()
                    self.send_response(200)
                    self.send_header('Content-Length', str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
            http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Files).serve_forever()
            """.write(toFile: script, atomically: true, encoding: .utf8)
        process = try ChildProcess.spawn("/usr/bin/python3", [script, String(port), directory + "/files"],
                                                      environment: ["PATH": "/usr/bin:/bin"], stdout: directory + "/transformations.log")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let probe = try PandaProcess.runTool("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-x",
                                                                   proxy, Self.baseURL + "/run.sh"])
            if probe.stdout == "200" { return }
            usleep(50_000)
        }
        throw ServerProcessError("the transformation server did not start")
    }

}
