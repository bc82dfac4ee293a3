import ArgumentParser
import Foundation
import PandaConfig
import PandaStore

/// `panda db backup|check|copy`: what an operator does to the server's SQLite file.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Back up, check, copy or prune the server's database (run on the server host, as the user that owns it).",
        subcommands: [Backup.self, Check.self, Copy.self, Prune.self])

    /// The SQLite file server.database names.
    static func sqlitePath(_ file: ConfigFileOption) throws -> String {
        let loaded = try file.load()
        guard case .sqlite(let path) = loaded.configuration.server.database else {
            throw ValidationError("server.database in \(loaded.files[0]) is not a SQLite file: back it up with the database server's own tools")
        }
        return path
    }
}

extension DatabaseCommand {
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the database to a new file with SQLite's online backup API; safe while the server runs.",
            discussion: """
                The copy is the database as of one commit: the server keeps accepting and committing \
                work while it is taken. It is written beside FILE, checked with integrity_check, and \
                renamed to FILE (mode 0600) only when complete; an existing FILE is never overwritten. \
                To restore, stop panda-server, copy the backup over server.database (removing its \
                -wal and -shm files), and start it again. With --into DIR the copy is named \
                DIR/panda-YYYYMMDDTHHMMSSZ.db (UTC), and --keep N then removes all but the newest N \
                files of that name in DIR: what panda-db-backup.timer runs.
                """)

        @OptionGroup var file: ConfigFileOption

        @Argument(help: ArgumentHelp("Where to write the copy (must not exist).", valueName: "file"))
        var destination: String?

        @Option(help: ArgumentHelp("Write a dated copy into this directory (created 0700 if missing) instead of FILE.", valueName: "dir"))
        var into: String?

        @Option(help: ArgumentHelp("With --into: keep only the newest N dated copies there.", valueName: "n"))
        var keep: Int?

        func validate() throws {
            if (destination == nil) == (into == nil) { throw ValidationError("give either FILE or --into DIR") }
            if let keep {
                guard into != nil else { throw ValidationError("--keep goes with --into DIR") }
                guard (1...100_000).contains(keep) else { throw ValidationError("--keep must be 1 to 100000") }
            }
        }

        func run() throws {
            let source = try DatabaseCommand.sqlitePath(file)
            do {
                var target = destination ?? ""
                if let into {
                    try BackupRotation.prepare(directory: into)
                    target = BackupRotation.file(in: into, at: Date())
                }
                let summary = try DatabaseMaintenance.backup(database: source, to: target)
                print("\(source) backed up to \(target): \(summary.pages) pages, \(summary.bytes) bytes, integrity ok")
                if let into, let keep {
                    for old in try BackupRotation.prune(directory: into, keep: keep) { print("removed the older backup \(old)") }
                }
            } catch {
                printError("panda db backup: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a database's integrity: exit 0 when intact, 1 with every problem listed, 2 when it cannot be read.",
            discussion: "Runs SQLite's integrity_check and foreign_key_check, read-only; safe while the server runs.")

        @OptionGroup var file: ConfigFileOption

        @Argument(help: ArgumentHelp("A database file to check, e.g. a backup (default: server.database).", valueName: "file"))
        var database: String?

        func run() throws {
            let path = try database ?? DatabaseCommand.sqlitePath(file)
            let problems: [String]
            do {
                problems = try DatabaseMaintenance.check(database: path)
            } catch {
                printError("panda db check: \(error)")
                throw ExitCode(2)
            }
            for problem in problems { printError("\(path): \(problem)") }
            guard problems.isEmpty else {
                printError("\(path): \(plural(problems.count, "problem"))")
                throw ExitCode(1)
            }
            print("\(path): integrity ok")
        }
    }
}
