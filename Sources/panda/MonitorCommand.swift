import ArgumentParser
import Logging
import PandaConfig
import PandaMonitor
import PandaSystem

/// `panda monitor`: runs the web dashboard until SIGTERM or SIGINT.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Run the panda monitor: the web dashboard (HTML, and JSON for scripts) over the server's read API.",
        discussion: """
            Reads the monitor section: listen (loopback by default), server, credential (a token file with the read scope, \
            needed with auth: none), auth (none, or token: each user pastes their own token once), tls (serve HTTPS) and \
            proxy_tls (a TLS reverse proxy serves it); with auth: token beyond loopback it needs tls or proxy_tls. Pages: /, /jobs, \
            /jobs/ID, /errors, /queues, /queues/NAME, /tasks, /tasks/ID, /pilots, /users/NAME, /datasets/NAME; each also \
            answers JSON with Accept: application/json or ?format=json. Under systemd it reports READY=1 once listening.
            """)

    @OptionGroup var file: ConfigFileOption

    @Option(help: ArgumentHelp("The server to read (default: monitor.server).", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("A token file with the read scope (default: monitor.credential).", valueName: "file"))
    var credential: String?

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: Logger.Level = .info

    func run() async throws {
        OrphanWatch.startIfAsked()
        var configuration = try file.load().configuration
        if let server {
            do {
                configuration.monitor.server = [try ServiceURL(parsing: server)]
            } catch {
                throw ValidationError("--server \(server): \(error.message)")
            }
        }
        LoggingSetup.bootstrap(role: "monitor", level: logLevel)
        let logger = Logger(label: "panda.monitor")
        let token = try (credential ?? configuration.monitor.credential).map(FactoryCommand.readToken)
        do {
            try await PandaMonitorRole(configuration: configuration, token: token, logger: logger).run()
        } catch {
            logger.critical("panda monitor stopped: \(error)")
            printError("panda monitor: \(error)")
            throw ExitCode(1)
        }
    }
}
