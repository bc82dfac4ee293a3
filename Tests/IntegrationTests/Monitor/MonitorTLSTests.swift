import Foundation
import PandaSystem
import Testing
import TestSupport

/// `monitor.auth: token` keeps users' tokens in a cookie: over HTTPS only,
/// and marked `Secure` so a browser never sends it in clear.
@Suite("panda monitor over TLS")
struct MonitorTLSTests {
    static func server(monitor: String) throws -> (ServerProcess, port: Int) {
        let port = try ServerProcess.freePort()
        let server = try ServerProcess(queues: ServerProcess.queues + "\nmonitor:\n  listen: 127.0.0.1:\(port)\n  auth: token\n" + monitor)
        return (server, port)
    }

    /// Signs in as a browser on the monitor's own page does: the form token
    /// from `GET /login` (field and cookie), then the post. The status line
    /// and the sign-in cookie of the answer.
    static func signIn(_ url: String, token: String, _ arguments: [String] = []) throws -> (status: String, cookie: String) {
        let reply = try post(url, "/login", fields: ["token": token], arguments)
        return (reply.status, reply.cookies.first { $0.contains("panda_token=") } ?? "")
    }

    /// Posts one of the monitor's forms with its form token; the status line and the Set-Cookie lines of the answer.
    static func post(_ url: String, _ path: String, fields: [String: String], _ arguments: [String] = []) throws -> (status: String, cookies: [String]) {
        let jar = NSTemporaryDirectory() + "panda-cookies-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: jar) }
        let page = try PandaProcess.runTool("/usr/bin/curl", ["-s", "-c", jar] + arguments + [url + path])
        let form = try require(DOM.matches(#"name="form_token" value="([0-9a-f]+)""#, in: page.stdout).first?[1], "form token on \(path)")
        let data = (fields.merging(["form_token": form]) { a, _ in a }).flatMap { ["--data-urlencode", "\($0.key)=\($0.value)"] }
        let reply = try PandaProcess.runTool("/usr/bin/curl", ["-s", "-o", "/dev/null", "-D", "-", "-b", jar] + arguments + data + [url + path])
        let lines = reply.stdout.components(separatedBy: "\r\n")
        return (lines.first ?? "", lines.filter { $0.lowercased().hasPrefix("set-cookie:") })
    }

    @Test("with monitor.tls the monitor serves HTTPS only and its sign-in cookie is Secure")
    func servesTLS() throws {
        let (server, port) = try Self.server(monitor: "")
        defer { server.cleanUp() }
        let files = try SelfSignedCertificate.make(in: server.directory, name: "monitor")
        try String(contentsOfFile: server.configPath, encoding: .utf8)
            .appending("  tls: { cert: \(files.cert), key: \(files.key) }\n")
            .write(toFile: server.configPath, atomically: true, encoding: .utf8)
        let url = "https://127.0.0.1:\(port)"
        let monitor = try MonitorSetup.startMonitor(for: server, url: url, probe: ["--cacert", files.cert])
        defer { _ = monitor.terminate() }
        let user = try server.token("alice", scope: "submit")
        let secure = try Self.signIn(url, token: user, ["--cacert", files.cert])
        #expect(secure.status.contains("303"))
        #expect(secure.cookie.contains("panda_token=") && secure.cookie.contains("; Secure"), "\(secure.cookie)")
        let signOut = try Self.post(url, "/logout", fields: [:], ["--cacert", files.cert]).cookies.first { $0.contains("panda_token=") } ?? ""
        #expect(signOut.contains("Max-Age=0") && signOut.contains("; Secure"), "\(signOut)")
        // Plain HTTP on the same port gets no page.
        let plain = try PandaProcess.runTool("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/login"])
        #expect(plain.stdout != "200")
    }

    @Test("behind a TLS proxy (proxy_tls) the cookie is Secure; plain HTTP without it is not, and off loopback is refused")
    func proxyAndRefusal() throws {
        let (proxied, proxiedPort) = try Self.server(monitor: "  proxy_tls: true\n")
        defer { proxied.cleanUp() }
        let proxiedURL = "http://127.0.0.1:\(proxiedPort)"
        let monitor = try MonitorSetup.startMonitor(for: proxied, url: proxiedURL)
        let user = try proxied.token("alice", scope: "submit")
        #expect(try Self.signIn(proxiedURL, token: user).cookie.contains("; Secure"))
        _ = monitor.terminate()

        // The same monitor without proxy_tls on loopback: development, no Secure (a browser would not send it back over HTTP).
        try String(contentsOfFile: proxied.configPath, encoding: .utf8).replacingOccurrences(of: "  proxy_tls: true\n", with: "")
            .write(toFile: proxied.configPath, atomically: true, encoding: .utf8)
        let plain = try MonitorSetup.startMonitor(for: proxied, url: proxiedURL)
        let cookie = try Self.signIn(proxiedURL, token: user).cookie
        #expect(cookie.contains("panda_token=") && !cookie.contains("Secure"))
        _ = plain.terminate()

        // Off loopback, in clear, with users' tokens: refused at start, saying what to set.
        try String(contentsOfFile: proxied.configPath, encoding: .utf8)
            .replacingOccurrences(of: "listen: 127.0.0.1:\(proxiedPort)", with: "listen: 0.0.0.0:\(proxiedPort)")
            .write(toFile: proxied.configPath, atomically: true, encoding: .utf8)
        let credential = proxied.directory + "/monitor.token"
        // Under timeout: a monitor that (wrongly) starts would otherwise serve until killed.
        let refused = try PandaProcess.runTool("/usr/bin/timeout", ["60", PandaProcess.binary, "monitor", "-c", proxied.configPath,
                                                                   "--server", "http://127.0.0.1:\(proxied.port)", "--credential", credential])
        #expect(refused.status != 0 && refused.status != 124, "status \(refused.status)")
        #expect(refused.stderr.contains("monitor.tls") && refused.stderr.contains("proxy_tls"), "\(refused.stderr)")
    }
}
