import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import PandaConfig
import PandaCore
import PandaStore
import PandaSystem
import ServiceLifecycle

/// `panda server`: the job queue, dispatcher, brokerage, sweeper and API.
///
/// ```swift
/// try await PandaServerRole(configuration: loaded.configuration, logger: logger).run()
/// ```
/// The store opens and migrates before the listener binds; `READY=1` goes to
/// systemd only once the listener is bound. SIGTERM and SIGINT stop it
/// gracefully: the listener drains, then the store commits what it accepted.
public struct PandaServerRole {
    public let configuration: PandaConfiguration
    public let logger: Logger

    public init(configuration: PandaConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let server = configuration.server
        guard server.tls != nil || server.listen.isLoopback || server.insecure else {
            throw ServerStartError("refusing to listen on \(server.listen) without TLS; set server.tls, or server.insecure: true")
        }
        guard case .sqlite(let path) = server.database else {
            throw ServerStartError("database \(server.database): PostgreSQL is not supported by this build yet; use sqlite:PATH")
        }
        let store: SQLiteJobStore
        do {
            store = try SQLiteJobStore(path: path)
        } catch {
            throw ServerStartError("cannot open database \(path): \(error)")
        }
        let signer = TokenSigner(key: try SigningKey.loadOrCreate(at: server.signingKey))
        let metrics = ServerMetrics()
        let systemd = SystemdNotifier()
        // Unhealthy once the store has not committed a probe for two ticks of
        // the health loop: long enough for a slow fsync, short enough that
        // systemd's watchdog notices a wedged store well within WatchdogSec.
        let health = HealthState(staleness: max(HealthService.tick(for: systemd) * 2, .seconds(1)))
        let context = ServerContext(
            store: store, configuration: configuration, signer: signer, metrics: metrics,
            brokerage: Brokerage(configuration: configuration), shedder: LoadShedder(limit: server.limits.inFlight), health: health)

        let router = Router(context: PandaRequestContext.self)
        router.add(middleware: ErrorEnvelopeMiddleware(metrics: metrics))
        router.add(middleware: AuthMiddleware(tokens: VerifiedTokens(signer: signer)))
        context.register(on: router)

        let listen = server.listen
        let logger = self.logger
        let app = Application(
            router: router,
            server: try httpServer(),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "panda/\(PandaVersion.current)"),
            onServerRunning: { channel in
                logger.notice("panda server \(PandaVersion.current) listening on \(channel.localAddress?.description ?? listen.description)")
                systemd.ready()
            },
            logger: logger)
        // Shut down in reverse: the listener first, the store last.
        let group = ServiceGroup(
            services: [
                StoreService(store: store),
                SweeperService(store: store, timeouts: server.timeouts, interval: server.sweepInterval.duration, logger: logger),
                StatsSamplerService(store: store, interval: server.statsInterval.duration, logger: logger),
                HealthService(store: store, health: health, metrics: metrics, systemd: systemd),
                app,
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        try await group.run()
    }

    private func httpServer() throws -> HTTPServerBuilder {
        guard let tls = configuration.server.tls else { return .http1() }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.cert).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
            return try .tls(.http1(), tlsConfiguration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        } catch {
            throw ServerStartError("cannot load TLS certificate \(tls.cert) or key \(tls.key): \(error)")
        }
    }
}

public struct ServerStartError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
