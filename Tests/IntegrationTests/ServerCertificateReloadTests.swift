import Foundation
import PandaSystem
import TestSupport
import Testing

/// `systemctl reload panda-server` with a renewed certificate: new
/// connections get it, open ones go on with theirs, a mismatched pair is
/// refused.
@Suite("panda server: SIGHUP reads the TLS certificate again")
struct ServerCertificateReloadTests {
    /// A client that keeps one TLS connection open across the reload: it
    /// prints the certificate's CN and the answer to /healthz, waits for the
    /// go file, asks again on the same connection, then on a new one.
    static let client = #"""
        import os, socket, ssl, sys, time
        port, cafile, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        context = ssl.create_default_context(cafile=cafile)
        def connect():
            return context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=120), server_hostname="127.0.0.1")
        def name(connection):
            return dict(part[0] for part in connection.getpeercert()["subject"])["commonName"]
        def healthz(connection):
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = b""
            while b"\r\n\r\n" not in reply:
                reply += connection.recv(4096)
            head, body = reply.split(b"\r\n\r\n", 1)
            length = int([line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")][0])
            while len(body) < length:
                body += connection.recv(4096)
            return head.split(b"\r\n")[0].decode()
        kept = connect()
        print("before", name(kept), healthz(kept), flush=True)
        deadline = time.time() + 300
        while not os.path.exists(go):
            if time.time() > deadline:
                sys.exit("no go file")
            time.sleep(0.05)
        print("kept", name(kept), healthz(kept), flush=True)
        fresh = connect()
        print("fresh", name(fresh), healthz(fresh), flush=True)
        """#

    /// Puts `file` in place under `name` by rename, as certbot and friends do.
    static func install(_ file: String, as name: String) throws {
        try? FileManager.default.removeItem(atPath: name + ".new")
        try FileManager.default.copyItem(atPath: file, toPath: name + ".new")
        #expect(rename(name + ".new", name) == 0)
    }

    /// The CN of the certificate a new connection is served.
    static func servedName(port: Int, caFile: String) throws -> String {
        let result = try PandaProcess.runTool("/usr/bin/curl", ["-sS", "-v", "--cacert", caFile, "https://127.0.0.1:\(port)/healthz"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = result.stderr.split(separator: "\n").first { $0.contains("subject: CN=") } ?? ""
        return line.components(separatedBy: "subject: CN=").last ?? ""
    }

    @Test("a renewed certificate is served to new connections after SIGHUP; an open connection keeps going; a mismatched pair is refused")
    func reloadCertificate() throws {
        let directory = NSTemporaryDirectory() + "panda-tlsreload-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let old = try SelfSignedCertificate.make(in: directory, name: "panda-old")
        let new = try SelfSignedCertificate.make(in: directory, name: "panda-new")
        let bundle = directory + "/both.pem"
        try (String(contentsOfFile: old.cert, encoding: .utf8) + String(contentsOfFile: new.cert, encoding: .utf8))
            .write(toFile: bundle, atomically: true, encoding: .utf8)
        let cert = directory + "/cert.pem", key = directory + "/key.pem"
        try Self.install(old.cert, as: cert)
        try Self.install(old.key, as: key)

        let server = try ServerProcess(server: "tls: { cert: \(cert), key: \(key) }", start: false)
        defer { server.cleanUp() }
        try server.start(scheme: "https", caFile: bundle)
        #expect(try Self.servedName(port: server.port, caFile: bundle) == "panda-old")

        let script = directory + "/client.py", output = directory + "/client.out", go = directory + "/go"
        try Self.client.write(toFile: script, atomically: true, encoding: .utf8)
        let client = try ChildProcess.spawn("/usr/bin/python3", [script, "\(server.port)", bundle, go], environment: ["PATH": "/usr/bin:/bin"],
                                            stdout: output)
        defer { if client.isRunning { client.kill9() } }
        waitForLine("before panda-old HTTP/1.1 200 OK", in: output)

        try Self.install(new.cert, as: cert)
        try Self.install(new.key, as: key)
        server.process?.signal(SIGHUP)
        waitForLine("TLS certificate reloaded", in: server.logPath)
        #expect(FileManager.default.createFile(atPath: go, contents: nil))
        #expect(client.wait() == 0)
        let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(said == "before panda-old HTTP/1.1 200 OK\nkept panda-old HTTP/1.1 200 OK\nfresh panda-new HTTP/1.1 200 OK\n", "\(said)")

        // Half a renewal: the new certificate with a key that is not its own.
        try Self.install(old.cert, as: cert)
        server.process?.signal(SIGHUP)
        waitForLine("TLS certificate reload refused", in: server.logPath)
        #expect(server.log_().contains("TLS certificate reload refused: \(cert) or \(key)"), "\(server.log_())")
        #expect(try Self.servedName(port: server.port, caFile: bundle) == "panda-new", "the running pair is kept")
        #expect(server.process?.isRunning == true)
    }
}
