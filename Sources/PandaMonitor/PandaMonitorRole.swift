import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import PandaClient
import PandaConfig
import PandaCore
import PandaListener
import PandaSystem
import ServiceLifecycle

/// `panda monitor`: the read-only web dashboard over the server's read API.
///
/// ```swift
/// try await PandaMonitorRole(configuration: loaded.configuration, token: token, logger: logger).run()
/// ```
/// It has no database of its own: every page is a few calls to the server,
/// whose answers come from indexes and maintained counters. `READY=1` goes
/// to systemd once the listener is bound; SIGTERM and SIGINT stop it.
public struct PandaMonitorRole {
    public let configuration: PandaConfiguration
    /// The `read` token the monitor calls the server with (auth: none).
    public let token: String?
    public let logger: Logger

    public init(configuration: PandaConfiguration, token: String?, logger: Logger) {
        self.configuration = configuration
        self.token = token
        self.logger = logger
    }

    public func run() async throws {
        let monitor = configuration.monitor
        guard monitor.auth == .token || monitor.listen.isLoopback else {
            throw MonitorStartError("""
                monitor.listen \(monitor.listen) is not a loopback address and monitor.auth is none: anyone who reaches it \
                would read every job with the monitor's credential. Set monitor.auth: token, or listen on 127.0.0.1
                """)
        }
        guard monitor.auth == .none || monitor.servedOverTLS || monitor.listen.isLoopback else {
            throw MonitorStartError("""
                monitor.listen \(monitor.listen) is not a loopback address and serves plain HTTP, but monitor.auth is token: \
                users' tokens would cross the network in clear. Set monitor.tls (a certificate and key), or listen on \
                127.0.0.1 behind a reverse proxy that serves HTTPS and set monitor.proxy_tls: true
                """)
        }
        guard monitor.auth == .token || token != nil else {
            throw MonitorStartError("monitor.auth is none, so the monitor needs monitor.credential (a token file with the read scope)")
        }
        // A page view asks once: a dead server is a 502 page at once, not a wait through retries.
        let api = PandaClient(servers: monitor.server.map(\.string), token: monitor.auth == .none ? token : nil,
                              settings: HTTPSettings(connectTimeout: .seconds(3), timeout: .seconds(20)),
                              retry: RetryPolicy(rounds: 1))
        let settings = MonitorSettings(pageSize: monitor.pageSize, queues: configuration.queues, logs: JobLogReader(endpoints: configuration.storageEndpoints.map(\.url.string)))
        let router = Router(context: BasicRequestContext.self)
        MonitorRoutes(api: api, auth: monitor.auth, settings: settings, secureCookie: monitor.servedOverTLS).register(on: router)
        let systemd = SystemdNotifier()
        let logger = self.logger
        let listen = monitor.listen
        let scheme = monitor.tls == nil ? "http" : "https"
        let limit = ProtectedListener.limit(monitor.connections, setting: "monitor.connections", logger: logger)
        let app = Application(
            router: router,
            server: try Self.httpServer(tls: monitor.tls, http: ProtectedListener.http(monitor.connections, limit: limit, logger: logger)),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "panda-monitor/\(PandaVersion.current)"),
            onServerRunning: { channel in
                let address = channel.localAddress?.description ?? listen.description
                logger.notice("panda monitor \(PandaVersion.current) on \(scheme)://\(listen.host):\(channel.localAddress?.port ?? listen.port)/ (\(address)), reading \(monitor.server.map(\.string).joined(separator: ", "))")
                _ = systemd.ready()
            },
            logger: logger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch let error as IOError where error.description.hasPrefix("bind(") {
            // NIO says only "bind(descriptor:ptr:bytes:): Address already in use".
            throw ListenFailure(address: listen.description, setting: "monitor.listen", errno: error.errnoCode)
        }
    }
}

extension PandaMonitorRole {
    /// HTTP/1.1, inside TLS when `monitor.tls` names a certificate: the
    /// server's TLS settings (ReloadableCertificate), the same suites.
    static func httpServer(tls: TLSFiles?, http: HTTPServerBuilder) throws -> HTTPServerBuilder {
        guard let tls else { return http }
        do {
            return try .tls(http, tlsConfiguration: ReloadableCertificate(files: tls).serverConfiguration())
        } catch {
            throw MonitorStartError("cannot use monitor.tls certificate \(tls.cert) or key \(tls.key): \(error)")
        }
    }
}

/// Why the monitor would not start.
public struct MonitorStartError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
