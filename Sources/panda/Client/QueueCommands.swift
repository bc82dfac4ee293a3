import ArgumentParser
import PandaClient
import PandaCore

/// `panda queue drain|online|list`: a queue's status without editing the
/// configuration. The server keeps it in its database (an admin token sets
/// it), over the configuration's, through reloads and restarts.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Drain a queue or put it back online, and list the queues' statuses.",
        discussion: """
            drain sets the queue brokeroff: no new jobs are brokered to it and jobs naming it are refused, while the jobs \
            it already has still go to its pilots and run. online brokers jobs to it again. The status is kept in the \
            server's database, so it holds over the configuration's through reloads and restarts, on every server of \
            one database; setting it needs an admin token. list shows each queue's status, the configuration's, and who \
            set it when.
            """,
        subcommands: [QueueDrainCommand.self, QueueOnlineCommand.self, QueueListCommand.self])
}

/// Sets one queue's status and prints what is in force.
private func setStatus(_ queue: String, _ status: QueueStatus, _ client: ClientOptions) async throws {
    let settings = try client.settings()
    let api = try client.client(settings)
    let view = try await client.call { () throws(ClientError) in try await api.setQueueStatus(queue, status) }
    if client.json { return try client.printJSON(view) }
    print("\(view.queue): \(view.status.rawValue)" + (view.configured == view.status ? "" : " (the configuration says \(view.configured.rawValue))"))
}

struct QueueDrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain", abstract: "Broker no new jobs to a queue (brokeroff); the jobs it has still run.")

    @Argument(help: ArgumentHelp("The queue.", valueName: "queue"))
    var queue: String

    @OptionGroup var client: ClientOptions

    func run() async throws { try await setStatus(queue, .brokeroff, client) }
}

struct QueueOnlineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "online", abstract: "Broker jobs to a queue again.")

    @Argument(help: ArgumentHelp("The queue.", valueName: "queue"))
    var queue: String

    @OptionGroup var client: ClientOptions

    func run() async throws { try await setStatus(queue, .online, client) }
}

struct QueueListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Each queue's status, the configuration's, and who set it when.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let settings = try client.settings()
        let api = try client.client(settings)
        let list = try await client.call { () throws(ClientError) in try await api.queueStatuses() }
        if client.json { return try client.printJSON(list) }
        var table = TextTable("QUEUE", "STATUS", "CONFIGURED", "SET BY", "SET AT")
        for queue in list.queues {
            table.add(queue.queue, queue.status.rawValue, queue.configured.rawValue, queue.setBy ?? "", queue.setAt.map(localTime) ?? "")
        }
        print(table.render())
    }
}
