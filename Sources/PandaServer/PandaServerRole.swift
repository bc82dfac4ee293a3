import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import PandaConfig
import PandaCore
import PandaListener
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
    /// The file SIGHUP reloads the queue catalogue from; nil: no reload.
    public var reloadPath: String?
    /// Removes a log tarball from its storage endpoint (local or
    /// HTTP/WebDAV), for retention; given by the executable, which wires the
    /// storage access in. Nil: ended jobs that left log tarballs are kept.
    public var removeLog: (@Sendable (String) async throws -> Void)?

    public init(configuration: PandaConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let server = configuration.server
        guard server.tls != nil || server.listen.isLoopback || server.insecure else {
            throw ServerStartError("refusing to listen on \(server.listen) without TLS; set server.tls, or server.insecure: true")
        }
        // Read before the store opens: a bad certificate fails the start at once.
        var certificate: ReloadableCertificate?
        if let files = server.tls { certificate = try ReloadableCertificate(files: files) }
        let store = try await ServerDatabase.open(server, logger: logger)
        let signer = TokenSigner(key: try SigningKey.loadOrCreate(at: server.signingKey))
        let metrics = ServerMetrics()
        let systemd = SystemdNotifier()
        // Unhealthy once the store has not committed a probe for two ticks of
        // the health loop: long enough for a slow fsync, short enough that
        // systemd's watchdog notices a wedged store well within WatchdogSec.
        let health = HealthState(staleness: max(HealthService.tick(for: systemd) * 2, .seconds(1)))
        let tokens = VerifiedTokens(signer: signer)
        let live = LiveConfiguration(configuration)
        let context = ServerContext(
            store: store, live: live, signer: signer, metrics: metrics, shedder: LoadShedder(limit: server.limits.inFlight), health: health,
            tokens: tokens)

        // The deny list is complete before the first request is served.
        let revokedUpTo: Double
        do {
            revokedUpTo = try await RevocationService.load(into: tokens, from: store)
        } catch {
            throw ServerStartError("cannot read the token deny list from \(server.database): \(error)")
        }
        // The statuses operators set hold from the first request on.
        do {
            try await QueueStatusService.load(into: live, from: store)
        } catch {
            throw ServerStartError("cannot read the queue statuses from \(server.database): \(error)")
        }
        let router = Router(context: PandaRequestContext.self)
        router.add(middleware: ErrorEnvelopeMiddleware(metrics: metrics))
        router.add(middleware: AuthMiddleware(tokens: tokens))
        context.register(on: router)

        let listen = server.listen
        let logger = self.logger
        let app = Application(
            router: router,
            server: try httpServer(tokens: tokens, certificate: certificate),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "panda/\(PandaVersion.current)"),
            onServerRunning: { channel in
                logger.notice("panda server \(PandaVersion.current) listening on \(channel.localAddress?.description ?? listen.description)")
                systemd.ready()
            },
            logger: logger)
        let singletons = SingletonGate(lock: try SingletonGate.lock(for: server, logger: logger), metrics: metrics, logger: logger)
        // Shut down in reverse: the listener first, the store last.
        var services: [any Service] = [
            StoreService(store: store),
            SingletonLeaseService(gate: singletons),
            SweeperService(store: store, singletons: singletons, timeouts: server.timeouts, interval: server.sweepInterval.duration, logger: logger),
            StatsSamplerService(store: store, singletons: singletons, interval: server.statsInterval.duration, logger: logger),
            HealthService(store: store, health: health, metrics: metrics, systemd: systemd, logger: logger),
            RevocationService(store: store, tokens: tokens, logger: logger, since: revokedUpTo),
            QueueStatusService(store: store, live: live, logger: logger),
            app,
        ]
        if case .after = server.retention.jobs {
            let removeLog = self.removeLog ?? { url in throw ServerStartError("no storage access to remove \(url) with") }
            services.append(RetentionService(
                pass: RetentionRun(store: store, removeLog: removeLog), age: server.retention.jobs, singletons: singletons,
                interval: server.retention.interval.duration, logger: logger))
        }
        if let reloadPath {
            services.append(CatalogueReloadService(
                reload: CatalogueReload(path: reloadPath), live: live, certificate: certificate, systemd: systemd, logger: logger))
        }
        let group = ServiceGroup(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        do {
            try await group.run()
        } catch let error as IOError where error.description.hasPrefix("bind(") {
            // NIO says only "bind(descriptor:ptr:bytes:): Address already in use".
            throw ListenFailure(address: listen.description, setting: "server.listen", errno: error.errnoCode)
        }
    }

    private func httpServer(tokens: VerifiedTokens, certificate: ReloadableCertificate?) throws -> HTTPServerBuilder {
        let listener = configuration.server.connections
        let limit = ProtectedListener.limit(listener, setting: "server.connections", logger: logger)
        let http = ProtectedListener.http(listener, limit: limit, logger: logger) { fields in
            Self.isPilot(fields, tokens: tokens)
        }
        guard let certificate else { return http }
        do {
            return try .tls(http, tlsConfiguration: certificate.serverConfiguration())
        } catch {
            throw ServerStartError("cannot use TLS certificate \(certificate.files.cert) or key \(certificate.files.key): \(error)")
        }
    }
}

extension PandaServerRole {
    /// Whether a request carries a valid pilot (or factory) token: what a
    /// connection in the listener's reserve must show to be served. The
    /// routes check the token again, with what it may do.
    static func isPilot(_ fields: HTTPFields, tokens: VerifiedTokens) -> Bool {
        guard let header = fields[.authorization], header.hasPrefix("Bearer "), header.utf8.count < 8_192 else { return false }
        let token = header.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces)
        guard let claims = try? tokens.claims(for: token) else { return false }
        return claims.scope == .pilot || claims.scope == .factory
    }

}

public struct ServerStartError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
