import ArgumentParser
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
            the pilots, the monitor and the site and queue catalogue.
            """,
        version: PandaVersion.current,
        subcommands: [
            UpCommand.self, ServerCommand.self, FactoryCommand.self, PilotCommand.self, MonitorCommand.self,
            SubmitCommand.self, WatchCommand.self, TasksCommand.self, JobsCommand.self, ShowCommand.self, KillCommand.self,
            RetryCommand.self, LogsCommand.self, DatasetCommand.self, QueueCommand.self,
            TokenCommand.self, ConfigCommand.self, DatabaseCommand.self,
        ])
}
