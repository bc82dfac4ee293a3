import ArgumentParser
import Foundation
import PandaCore

/// `panda`: one executable, the subcommand picks the role.
@main
struct Panda: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "panda",
        abstract: "A pilot-based workload management system for distributed computing.",
        discussion: """
            panda keeps one job queue, brokers jobs to computing queues, and hands them \
            to pilots that batch systems start on worker nodes. The configuration \
            (/etc/panda/panda.yaml, or PANDA_CONFIG) describes the server, the factory, \
            the pilots, the monitor and the site and queue catalogue (panda.yaml(5)); the \
            user commands read ~/.config/panda/client.yaml (panda-client.yaml(5)).

            Commands exit 0 on success, 1 when what was asked failed (a few say more in \
            their own pages, such as panda pilot and panda watch), and 2 on a usage error \
            (an unknown option, a missing or malformed argument) or settings or files they \
            cannot use.
            """,
        version: PandaVersion.banner,
        subcommands: [
            UpCommand.self, ServerCommand.self, FactoryCommand.self, PilotCommand.self, MonitorCommand.self,
            SubmitCommand.self, WatchCommand.self, TasksCommand.self, JobsCommand.self, ShowCommand.self, KillCommand.self,
            RetryCommand.self, LogsCommand.self, DatasetCommand.self, QueueCommand.self,
            TokenCommand.self, ConfigCommand.self, DatabaseCommand.self,
        ])

    /// swift-argument-parser exits 64 (EX_USAGE) on a usage error; panda's
    /// documented status for it is 2, as for unusable settings, so every
    /// command parses and runs here and a usage error is mapped once.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(usageErrorStatus)
            }
            exit(withError: error)
        }
    }

    /// The exit status of a usage error, as the man pages and docs/client.md say.
    static let usageErrorStatus: Int32 = 2
}
