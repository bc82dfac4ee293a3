import ArgumentParser
import Foundation
import Logging
import PandaConfig
import PandaCore
import PandaFactory
import PandaSystem
import Synchronization

/// `panda factory`: keeps pilots flowing to each queue through its batch system.
struct FactoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "factory",
        abstract: "Keep pilots queued and running at each queue through Slurm, HTCondor, PBS or local processes.",
        discussion: """
            Every factory.cycle it asks the server how many jobs wait per queue, polls its pilots' \
            batch states, cancels pilots queued too long (or with nothing to do, with \
            factory.cancel_without_demand), submits new ones by the queue's pilots: limits, and \
            reports its pilots to the server. Pilot records live in factory.state (SQLite), so a \
            restarted factory carries on. Each pilot gets its own token for its queue, minted by \
            the server; the factory's credential never leaves this host. Under systemd it sends \
            READY=1, STATUS= and WATCHDOG=1. SIGHUP (systemctl reload) reads the queue catalogue \
            and the credential again; a configuration with errors is refused, each error logged.
            """)

    @OptionGroup var file: ConfigFileOption

    @Option(help: ArgumentHelp("panda server URLs (default: factory.server).", valueName: "url[,url...]"))
    var server: String?

    @Option(help: ArgumentHelp("The factory's token file (default: factory.credential).", valueName: "file"))
    var credential: String?

    @Option(help: ArgumentHelp("A queue to serve (repeat; default: factory.queues, else every queue with a batch section).", valueName: "name"))
    var queue: [String] = []

    @Flag(help: "Run one cycle and exit.")
    var once = false

    @Option(help: ArgumentHelp("Time between cycles (default: factory.cycle).", valueName: "duration"))
    var cycle: TimeSpan?

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: Logger.Level = .info

    func run() async throws {
        OrphanWatch.startIfAsked()
        let configuration = try file.load().configuration
        LoggingSetup.bootstrap(role: "factory", level: logLevel)
        let logger = Logger(label: "panda.factory")
        do {
            let settings = try settings(configuration)
            var role = PandaFactoryRole(settings: settings, logger: logger)
            role.reload = reload(running: configuration)
            try await role.run(once: once)
        } catch let error as ValidationError {
            printError("panda factory: \(error.message)")
            throw ExitCode(2)
        } catch {
            logger.critical("panda factory stopped: \(error)")
            printError("panda factory: \(error)")
            throw ExitCode(1)
        }
    }

    private func settings(_ configuration: PandaConfiguration) throws -> FactorySettings {
        let factory = configuration.factory
        let names = queue.isEmpty ? factory.queues : queue
        let served: [QueueConfig]
        if names.isEmpty {
            served = configuration.queues.filter { $0.batch != nil }
        } else {
            served = try names.map { name in
                guard let found = configuration.queue(named: name) else { throw ValidationError("queue \(name) is not in the configuration") }
                guard found.batch != nil else { throw ValidationError("queue \(name) has no batch section, so no factory can feed it") }
                return found
            }
        }
        guard !served.isEmpty else { throw ValidationError("no queue has a batch section: nothing to do") }
        guard let credentialPath = credential ?? factory.credential else {
            throw ValidationError("no credential: set factory.credential or give --credential (a token with the factory scope)")
        }
        let token = try Self.readToken(credentialPath)
        let servers = server.map { $0.split(separator: ",").map(String.init) } ?? factory.server.map(\.string)
        let pilotCommand = factory.pilotCommand.isEmpty ? [Self.ownExecutable(), "pilot"] : factory.pilotCommand
        // Absolute: pilots start in their own directories.
        var section = factory
        if let cycle { section.cycle = cycle }
        section.state = URL(fileURLWithPath: factory.state).standardizedFileURL.path
        let spool = (section.state as NSString).deletingLastPathComponent + "/pilots"
        let configPath = URL(fileURLWithPath: ConfigLoader().path(given: file.path)).standardizedFileURL.path
        return FactorySettings(factory: section, queues: served, servers: servers, token: token, pilotCommand: pilotCommand, spool: spool,
                               configPath: configPath,
                               storage: Dictionary(configuration.storageEndpoints.map { ($0.name, $0.url.string) }) { first, _ in first },
                               pilotSharedUID: configuration.pilot.sharedUID, pilotsSwitchUser: !configuration.pilot.payloadUsers.isEmpty)
    }

    /// SIGHUP: the catalogue read again (CatalogueReload), then the served
    /// queues, servers and credential worked out as at start.
    private func reload(running: PandaConfiguration) -> FactoryReload {
        let command = self
        let catalogue = CatalogueReload(path: ConfigLoader().path(given: file.path))
        let current = RunningConfiguration(running)
        return FactoryReload {
            switch catalogue.reload(keeping: current.value) {
            case .refused(let problems):
                return .failure(FactoryReload.Refused(problems))
            case .applied(let configuration, let notes):
                do {
                    let settings = try command.settings(configuration)
                    current.value = configuration
                    return .success((settings, notes))
                } catch let error as ValidationError {
                    return .failure(FactoryReload.Refused([error.message]))
                } catch {
                    return .failure(FactoryReload.Refused(["\(error)"]))
                }
            }
        }
    }

    /// The token file must be private to this user.
    static func readToken(_ path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0, let data = SmallFile.read(path, limit: 65536) else {
            throw ValidationError("cannot read the credential \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw ValidationError(String(format: "the credential %@ has mode %03o: group and others must not be able to read it (chmod 600)",
                                         path, info.st_mode & 0o777))
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ValidationError("the credential \(path) is empty") }
        return token
    }

    /// This very binary, so pilots run the same version as the factory.
    static func ownExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// The configuration a factory runs with, which the last reload replaced.
private final class RunningConfiguration: Sendable {
    private let state: Mutex<PandaConfiguration>
    init(_ configuration: PandaConfiguration) { state = Mutex(configuration) }
    var value: PandaConfiguration {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
