import ArgumentParser
import Foundation
import PandaConfig

/// `panda config check|show`: validate and explain a configuration.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a configuration, or show its resolved values and where each came from.",
        subcommands: [Check.self, Show.self])
}

/// The configuration file option every command that reads one shares.
struct ConfigFileOption: ParsableArguments {
    @Option(name: [.customShort("c"), .customLong("config")],
            help: ArgumentHelp("The configuration file (default: $PANDA_CONFIG, else \(ConfigLoader.defaultPath)).",
                               valueName: "file"))
    var path: String?

    /// Loads it, or prints why not to stderr and exits: 2 when the file
    /// cannot be read, 1 when it has errors.
    func load() throws -> LoadedConfiguration {
        try Self.load(ConfigLoader().path(given: path))
    }

    static func load(_ file: String) throws -> LoadedConfiguration {
        let loader = ConfigLoader()
        do {
            return try loader.load(path: file)
        } catch .unreadable(let path, let reason) {
            printError("panda: cannot read configuration \(path): \(reason)")
            throw ExitCode(2)
        } catch .invalid(let diagnostics) {
            for diagnostic in diagnostics { printError(diagnostic.description) }
            let count = diagnostics.count
            printError("\(file): \(count) error\(count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
    }
}

extension ConfigCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a configuration: exit 0 when valid, 1 with every error listed, 2 when unreadable.",
            discussion: """
                Each error is printed as FILE:LINE:COLUMN: KEY.PATH: message. Besides the file, it makes \
                the checks the roles make at start for each section the file has: the signing key and TLS \
                files of the server, and the credentials of the monitor (with auth: none) and the factory \
                (mode 0600, not empty; one not issued yet is not an error). Files this user cannot read \
                are notes: run it as root, or as the role's user, to check them.
                """)

        @OptionGroup var file: ConfigFileOption

        func run() throws {
            let loaded = try file.load()
            let configuration = loaded.configuration
            // What the roles would refuse at start, beyond the file itself.
            let startProblems = StartChecks(loaded).problems
            let errors = startProblems.filter { !$0.isNote }.count
            for problem in startProblems where !problem.isNote { printError(problem.description) }
            if errors > 0 {
                printError("\(loaded.files[0]): \(plural(errors, "error")) a role would refuse at start")
                throw ExitCode(1)
            }
            let sites = configuration.sites.count
            let queues = configuration.queues.count
            let endpoints = configuration.storageEndpoints.count
            let files = loaded.files.count
            print("\(loaded.files[0]): valid: \(plural(sites, "site")), \(plural(queues, "queue")), "
                  + "\(plural(endpoints, "storage endpoint")) (\(plural(files, "file")) read)")
            // Valid, but worth knowing: what jobs without a walltime get.
            for note in configuration.queues.compactMap(\.walltimeNote) { print("note: " + note) }
            for problem in startProblems where problem.isNote { print(problem.description) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the resolved configuration, each value with where it came from (file:line:column, template, or default).")

        @OptionGroup var file: ConfigFileOption

        @Option(help: ArgumentHelp("Show only this queue.", valueName: "name"))
        var queue: String?

        @Flag(help: "Print JSON (the configuration and an origins map) instead of a table.")
        var json = false

        func run() throws {
            let report = ConfigurationReport(try file.load())
            do {
                print(json ? try report.json(queue: queue) : try report.text(queue: queue), terminator: json ? "\n" : "")
            } catch {
                printError("panda: \(error)")
                throw ExitCode(1)
            }
        }
    }
}

func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
