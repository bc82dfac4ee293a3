import Foundation
import PandaConfig
import Testing
import TestSupport

@Suite("panda config, run as a process")
struct ConfigCommandTests {
    static let example = Repository.path("etc/panda/panda.yaml")

    static func scratchFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("panda-it-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("--version prints the version alone on its first line, then the licence")
    func version() throws {
        let result = try PandaProcess.run(["--version"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "0.1.0")
        #expect(lines.contains { $0.hasPrefix("Licensed under the Apache License, Version 2.0") })
    }

    @Test("the licence --version names is the one in LICENSE and the package's copyright file")
    func licenceFiles() throws {
        let licence = try String(contentsOfFile: Repository.path("LICENSE"), encoding: .utf8)
        #expect(licence.contains("Apache License") && licence.contains("Version 2.0, January 2004"))
        let copyright = try String(contentsOfFile: Repository.path("packaging/debian/copyright"), encoding: .utf8)
        // The first Files stanza (panda's own) carries the licence, not "all rights reserved".
        let own = copyright.components(separatedBy: "\n\n").first { $0.hasPrefix("Files: *") } ?? ""
        #expect(own.contains("License: Apache-2.0"))
        #expect(!copyright.contains("all rights"))
    }

    @Test("--help lists only the subcommands that exist")
    func help() throws {
        let result = try PandaProcess.run(["--help"])
        #expect(result.status == 0)
        let listed = result.stdout.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        // A subcommand's line is indented two spaces; wrapped help text more.
        let names = listed.split(separator: "\n")
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") && !$0.contains("See 'panda help") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(names == ["up", "server", "factory", "pilot", "monitor", "submit", "watch", "tasks", "jobs", "show", "kill", "retry", "logs",
                          "dataset", "queue", "token", "config", "db"])
    }

    @Test("a usage error exits 2, as the man pages and docs/client.md say, with the usage on stderr",
          arguments: [["submit", "--cores", "many"], ["jobs", "--no-such-option"], ["config", "check", "extra"], ["no-such-command"],
                      ["token", "issue"]])
    func usageErrorStatus(arguments: [String]) throws {
        let result = try PandaProcess.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains("Usage: panda"))
        #expect(result.stdout.isEmpty)
    }

    @Test("check exits 0 with a one-line summary for the shipped example")
    func checkValid() throws {
        let result = try PandaProcess.run(["config", "check", "-c", Self.example])
        #expect(result.status == 0)
        #expect(result.stdout == "\(Self.example): valid: 4 sites, 5 queues, 5 storage endpoints (5 files read)\n")
        #expect(result.stderr.isEmpty)
    }

    @Test("check refuses the monitor settings panda monitor refuses at start: a non-loopback listen without auth, a missing or open credential")
    func checkMonitorStart() throws {
        let directory = NSTemporaryDirectory() + "panda-check-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let token = directory + "/monitor.token"
        try "a.b.c\n".write(toFile: token, atomically: true, encoding: .utf8)
        chmod(token, 0o644)
        let cases: [(monitor: String, expected: String)] = [
            ("{ listen: 0.0.0.0:25880, credential: \(token) }", "monitor.listen: listening on 0.0.0.0 with monitor.auth: none"),
            ("{ listen: 127.0.0.1:25880 }", "monitor.auth: monitor.auth is none, so panda monitor needs monitor.credential"),
            ("{ listen: 0.0.0.0:25880, auth: token }", "monitor.listen: listening on 0.0.0.0 in plain HTTP with monitor.auth: token"),
            ("{ listen: 127.0.0.1:25880, credential: \(token) }", "monitor.credential: the credential \(token) has mode 644"),
        ]
        for (monitor, expected) in cases {
            let path = directory + "/panda.yaml"
            try "monitor: \(monitor)\n".write(toFile: path, atomically: true, encoding: .utf8)
            let checked = try PandaProcess.run(["config", "check", "-c", path])
            #expect(checked.status == 1, "\(monitor) passed: \(checked.stdout)")
            #expect(checked.stderr.contains(expected), "\(monitor): \(checked.stderr)")
        }
        chmod(token, 0o600)
        let path = directory + "/panda.yaml"
        try "monitor: { listen: 127.0.0.1:25880, credential: \(token) }\n".write(toFile: path, atomically: true, encoding: .utf8)
        let fixed = try PandaProcess.run(["config", "check", "-c", path])
        #expect(fixed.status == 0, "\(fixed.stderr)")
    }

    @Test("check exits 1 and prints every error with file, line, column and key path")
    func checkInvalid() throws {
        let path = try Self.scratchFile("server:\n  lisen: 1.2.3.4:5\nsites:\n  S: { queues: { Q: { maxrss: 2 } } }\n")
        defer { unlink(path) }
        let result = try PandaProcess.run(["config", "check", "-c", path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == """
            \(path):2:3: server.lisen: unknown key 'lisen' (did you mean 'listen'?)
            \(path):4:31: sites.S.queues.Q.maxrss: '2' needs a unit, such as 2GB or 2MiB
            \(path): 2 errors

            """)
    }

    @Test("check exits 2 when the file cannot be read")
    func checkUnreadable() throws {
        let result = try PandaProcess.run(["config", "check", "-c", "/nonexistent/panda.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr == "panda: cannot read configuration /nonexistent/panda.yaml: No such file or directory\n")
    }

    @Test("PANDA_CONFIG names the file when -c does not, and -c wins over it")
    func environmentPath() throws {
        let fromEnvironment = try PandaProcess.run(["config", "check"], environment: ["PANDA_CONFIG": Self.example])
        #expect(fromEnvironment.status == 0)
        let overridden = try PandaProcess.run(["config", "check", "-c", "/nonexistent.yaml"], environment: ["PANDA_CONFIG": Self.example])
        #expect(overridden.status == 2)
    }

    @Test("without -c or PANDA_CONFIG, /etc/panda/panda.yaml is read")
    func defaultPath() throws {
        let result = try PandaProcess.run(["config", "check"])
        if FileManager.default.fileExists(atPath: "/etc/panda/panda.yaml") {
            #expect(result.stdout.hasPrefix("/etc/panda/panda.yaml") || result.stderr.hasPrefix("/etc/panda/panda.yaml"))
        } else {
            #expect(result.status == 2)
            #expect(result.stderr.contains("/etc/panda/panda.yaml"))
        }
    }

    @Test("show --json reads back into the configuration config check accepted")
    func showJSON() throws {
        let result = try PandaProcess.run(["config", "show", "-c", Self.example, "--json"])
        #expect(result.status == 0)
        let report = try JSONDecoder().decode(WholeReport.self, from: Data(result.stdout.utf8))
        let loaded = try ConfigLoader(environment: [:]).load(path: Self.example)
        #expect(report.configuration == loaded.configuration)
        #expect(report.origins["server.listen"] == "\(Self.example):15:11")
        #expect(report.origins["server.limits.request_body"] == "default")
    }

    @Test("show --queue prints one queue; an unknown one exits 1 with a suggestion")
    func showQueue() throws {
        let result = try PandaProcess.run(["config", "show", "-c", Self.example, "--queue", "LOCAL"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("queue LOCAL (site LOCAL)\n"))
        #expect(result.stdout.contains("batch.slots"))
        let unknown = try PandaProcess.run(["config", "show", "-c", Self.example, "--queue", "LOCL"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "panda: no queue named 'LOCL' (did you mean 'LOCAL'?)\n")
    }

    @Test("show refuses an invalid configuration the way check does")
    func showInvalid() throws {
        let path = try Self.scratchFile("server: { listen: nope }\n")
        defer { unlink(path) }
        let result = try PandaProcess.run(["config", "show", "-c", path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("\(path):1:19: server.listen: "))
    }
}
