import Foundation
import TestSupport
import PandaSystem

/// A real WebDAV storage element: Debian's nginx with its dav module, on a
/// loopback port, serving a temporary directory. Started by the test that
/// needs it and stopped after.
final class StorageElement: @unchecked Sendable {
    let directory: String
    let port: Int
    private var process: ChildProcess?
    static let binary = "/usr/sbin/nginx"
    /// Bytes per second nginx serves files under /slow/ at.
    static let slowRate = 16384

    /// With `tls`, it serves HTTPS with that certificate and key.
    let tls: (cert: String, key: String)?

    init(port: Int? = nil, tls: (cert: String, key: String)? = nil) throws {
        self.tls = tls
        directory = NSTemporaryDirectory() + "panda-se-\(UUID().uuidString.prefix(8))"
        self.port = try port ?? ServerProcess.freePort()
        for sub in ["data", "logs", "tmp"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
        try """
            # Root runs the tests; the workers must write the data directory as well.
            user root;
            worker_processes 1;
            pid \(directory)/nginx.pid;
            error_log \(directory)/logs/error.log;
            events { worker_connections 256; }
            http {
                access_log \(directory)/logs/access.log;
                client_body_temp_path \(directory)/tmp;
                client_max_body_size 0;
                server {
                    listen 127.0.0.1:\(self.port)\(tls == nil ? "" : " ssl");
                    \(tls.map { "ssl_certificate \($0.cert); ssl_certificate_key \($0.key);" } ?? "")
                    root \(directory)/data;
                    location / {
                        dav_methods PUT DELETE MKCOL;
                        create_full_put_path on;
                        dav_access user:rw group:r all:r;
                    }
                    # A slow storage element: downloads under /slow/ at \(Self.slowRate) bytes/s.
                    location /slow/ {
                        limit_rate \(Self.slowRate);
                    }
                }
            }
            """.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
    }

    var url: String { "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)" }

    func start() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw ServerProcessError("nginx is not installed (\(Self.binary)); make deps installs it")
        }
        let process = try ChildProcess.spawn(Self.binary, ["-c", directory + "/nginx.conf", "-p", directory, "-g", "daemon off;"],
                                             environment: ["PATH": "/usr/bin:/bin"])
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let probe = try PandaProcess.runTool("/usr/bin/curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", url + "/"])
            if probe.stdout != "000" { return }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        throw ServerProcessError("nginx did not start: \((try? String(contentsOfFile: directory + "/logs/error.log", encoding: .utf8)) ?? "")")
    }

    func stop() {
        guard let process else { return }
        process.terminate()
        self.process = nil
    }

    func cleanUp() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Puts a file on the storage as another site would have, with curl.
    func put(_ path: String, _ contents: Data) throws {
        let local = directory + "/tmp/upload-\(UUID().uuidString)"
        try contents.write(to: URL(fileURLWithPath: local))
        defer { try? FileManager.default.removeItem(atPath: local) }
        let result = try PandaProcess.runTool("/usr/bin/curl", ["-sfk", "-T", local, url + path])
        guard result.status == 0 else { throw ServerProcessError("PUT \(path) failed: \(result.stderr)") }
    }

    /// Puts a file straight on the storage's disk (for /slow/, which takes no PUT).
    func place(_ path: String, _ contents: Data) throws {
        let target = directory + "/data" + path
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(to: URL(fileURLWithPath: target))
    }

    /// What the storage holds at `path`, read from its disk.
    func contents(_ path: String) -> Data? {
        FileManager.default.contents(atPath: directory + "/data" + path)
    }
}
