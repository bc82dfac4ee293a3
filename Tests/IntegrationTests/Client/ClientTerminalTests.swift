import Foundation
import Testing

/// Text other users wrote (job names, commands, diagnostics) reaches an
/// admin's or reader's terminal through `panda jobs` and `panda show`: it is
/// printed escaped, never as the control sequences it holds.
@Suite("panda client: control characters are escaped on the terminal")
struct ClientTerminalTests {
    /// ESC (an OSC 52 clipboard write), BEL, CR, LF (a forged line) and RLO.
    static let hostile = "evil\u{1B}]52;c;cm0gLXJmIH4=\u{07}\rFORGED\nline 2\u{202E}txt.exe\u{9B}2J"

    /// What a terminal would act on: C0 (bar the output's own line breaks), DEL, C1, bidi overrides.
    static func controls(in text: String) -> [UInt32] {
        text.unicodeScalars.map(\.value).filter {
            ($0 < 0x20 && $0 != 0x0A) || (0x7F...0x9F).contains($0) || (0x202A...0x202E).contains($0) || (0x2066...0x2069).contains($0)
        }
    }

    @Test("panda jobs and panda show print a hostile job name and command escaped, on one line")
    func hostileNames() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let mallory = try ClientUser("mallory", server: server)
        var job = jobJSON(Self.hostile, queue: "Q1")
        job["payload"] = ["executable": "/bin/echo", "arguments": [Self.hostile]]
        let submitted = try await server.post("/api/v1/job/submit", token: mallory.token, json: ["jobs": [job]])
        try #require(submitted.status == 200, "\(submitted.message)")
        let admin = try ClientUser("root", server: server, token: try server.token("root", scope: "admin"))

        let jobs = try admin.panda(["jobs"])
        #expect(jobs.status == 0, "\(jobs.stderr)")
        #expect(Self.controls(in: jobs.stdout).isEmpty, "raw controls in panda jobs: \(Self.controls(in: jobs.stdout))")
        #expect(jobs.stdout.split(separator: "\n").count == 2, "a header and one row:\n\(jobs.stdout)")
        #expect(jobs.stdout.contains(#"evil\e]52;c;cm0gLXJmIH4=\x07\rFORGED\nline 2\u{202E}txt.exe\x9B2J"#), "\(jobs.stdout)")

        let show = try admin.panda(["show", "1"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(Self.controls(in: show.stdout).isEmpty, "raw controls in panda show: \(Self.controls(in: show.stdout))")
        #expect(!show.stdout.split(separator: "\n").contains { $0.hasPrefix("line 2") || $0.hasPrefix("FORGED") }, "no forged lines:\n\(show.stdout)")
        #expect(show.stdout.contains(#"job 1 (evil\e]52;"#), "\(show.stdout)")
    }
}
