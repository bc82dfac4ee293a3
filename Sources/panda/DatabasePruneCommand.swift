import ArgumentParser
import Foundation
import PandaClient
import PandaConfig
import PandaCore
import PandaStore

extension DatabaseCommand {
    /// `panda db prune [--dry-run]`: retention by hand, what the server does
    /// every `server.retention.interval`.
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove ended jobs older than server.retention.jobs, with their history, attempts and log tarballs.",
            discussion: """
                What the server does every server.retention.interval, now. A job goes when it ended \
                (finished, failed or cancelled) before the cutoff and, for a job of a task, when every \
                job of its task did; its state history, attempts and, once none is left, its task go \
                with it. Its log tarballs are removed from their storage endpoints first (unlink for a \
                local path, DELETE over HTTP/WebDAV), except a file a catalogued dataset lists; a job \
                whose tarball cannot be removed is kept for a later run. The monitor's charts and error \
                counts read the hourly samples, which keep their own 90 days. Safe while the server \
                runs, on SQLite and PostgreSQL alike.
                """)

        @OptionGroup var file: ConfigFileOption

        @Flag(help: "Say what would be removed, and remove nothing.")
        var dryRun = false

        @Option(help: ArgumentHelp("Remove jobs that ended longer ago than this instead (at least 1d), e.g. 90d.", valueName: "duration"))
        var olderThan: String?

        func validate() throws {
            if let olderThan {
                do {
                    guard case .after = try RetentionAge(parsing: olderThan) else { throw ValidationError("--older-than takes a duration") }
                } catch let error as ValueParseError {
                    throw ValidationError("--older-than: \(error.message)")
                }
            }
        }

        func run() async throws {
            let configuration = try file.load().configuration
            let age = try olderThan.map { try RetentionAge(parsing: $0) } ?? configuration.server.retention.jobs
            let now = Date().timeIntervalSince1970
            guard let cutoff = age.cutoff(now: now) else {
                print("server.retention.jobs is forever: nothing is due (give --older-than to prune anyway)")
                return
            }
            let storage = StorageAccess(settings: HTTPSettings(timeout: .minutes(2)))
            let report = try await TokenDatabase.with(configuration) { store in
                try await RetentionRun(store: store, removeLog: { url in try await storage.remove(url) }).run(endedBefore: cutoff, dryRun: dryRun)
            }
            let before = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: cutoff))
            if dryRun {
                print("would remove \(plural(report.jobs, "job")) that ended before \(before) (over \(age) ago) and \(plural(report.logs, "log tarball"))")
                return
            }
            for failure in report.failures { printError("panda db prune: kept: \(failure)") }
            print("removed \(plural(report.jobs, "job")) that ended before \(before) (over \(age) ago), \(plural(report.tasks, "task")), "
                  + "\(plural(report.logs, "log tarball"))")
            if !report.failures.isEmpty {
                printError("panda db prune: \(plural(report.failures.count, "log tarball")) could not be removed; their jobs were kept")
                throw ExitCode(1)
            }
        }
    }
}
