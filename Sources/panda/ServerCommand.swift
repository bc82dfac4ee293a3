import ArgumentParser
import Logging
import PandaClient
import PandaServer
import PandaSystem

/// `panda server`: runs the central server until SIGTERM or SIGINT.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the panda server: job queue, brokerage, dispatcher, sweeper and HTTP API.",
        discussion: """
            Reads the server section and the queue catalogue of the configuration. Under systemd \
            (Type=notify) it reports READY=1 once listening, STATUS= with live figures, and \
            WATCHDOG=1 while its store can commit; it logs to the journal with structured fields. \
            SIGHUP (systemctl reload) reads the site and queue catalogue and the TLS certificate \
            again: a file with errors is refused with each error logged, and the running catalogue \
            or certificate kept; open connections carry on. Ended jobs older than \
            server.retention.jobs are removed with their log tarballs every \
            server.retention.interval (see panda db prune).
            """)

    @OptionGroup var file: ConfigFileOption

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: Logger.Level = .info

    func run() async throws {
        OrphanWatch.startIfAsked()
        let loaded = try file.load()
        LoggingSetup.bootstrap(role: "server", level: logLevel)
        let logger = Logger(label: "panda.server")
        do {
            var role = PandaServerRole(configuration: loaded.configuration, logger: logger)
            role.reloadPath = loaded.files[0]
            let storage = StorageAccess(settings: HTTPSettings(timeout: .minutes(2)))
            role.removeLog = { url in try await storage.remove(url) }
            try await role.run()
        } catch {
            logger.critical("panda server stopped: \(error)")
            printError("panda server: \(error)")
            throw ExitCode(1)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
