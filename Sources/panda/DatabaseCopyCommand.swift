import ArgumentParser
import Foundation
import Logging
import PandaConfig
import PandaServer
import PandaStore

extension DatabaseCommand {
    /// `panda db copy --from sqlite:///… --to postgres://…`: the move from the embedded store to PostgreSQL.
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a stopped server's SQLite database into an empty PostgreSQL database.",
            discussion: """
                Stop the server first (systemctl stop panda-server): the copy refuses to run while a server \
                holds the SQLite file's lock (<database>.lock), and holds that lock itself until it is done. \
                Every table is copied (jobs, attempts and their history, leases, tasks, datasets, files, \
                replicas, tokens and their revocations, request keys, statistics, counters) in batches, in one \
                PostgreSQL transaction: the target has all of it or none of it. The id sequences move past the \
                copied ids, and the rows of every table are counted on both sides before the commit. The target \
                must be empty (its tables are created if missing). Then set server.database to the postgres:// \
                URL and start the server(s): pilots holding leases carry on.
                """)

        @Option(help: ArgumentHelp("The SQLite database to read, as server.database names it.", valueName: "sqlite:///path"))
        var from: String

        @Option(help: ArgumentHelp("The PostgreSQL database to fill.", valueName: "postgres://user@host/db"))
        var to: String

        @Option(help: ArgumentHelp("A file holding PostgreSQL's password (one line, not world-readable).", valueName: "file"))
        var passwordFile: String?

        func run() async throws {
            guard case .sqlite(let path)? = try? DatabaseURL(parsing: from) else {
                throw ValidationError("--from \(from) is not a sqlite:PATH database")
            }
            let settings: PostgresSettings
            do {
                settings = try Self.settings(to, passwordFile: passwordFile)
            } catch {
                throw ValidationError("--to \(to): \(error)")
            }
            do {
                let report = try await SQLiteToPostgresCopy.run(from: path, to: settings, logger: Logger(label: "panda.db.copy"))
                for table in report.tables { print("\(table.name): \(table.rows) rows") }
                print("copied \(path) to \(settings.database): \(report.tables.count) tables, row counts match")
            } catch {
                printError("panda db copy: \(error)")
                throw ExitCode(1)
            }
        }

        static func settings(_ text: String, passwordFile: String?) throws -> PostgresSettings {
            PostgresSettings(try PostgresURL(parsing: text), password: try passwordFile.map(DatabasePassword.read), poolSize: 1)
        }
    }
}
