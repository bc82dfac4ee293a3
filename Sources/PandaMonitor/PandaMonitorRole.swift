import Foundation
import Hummingbird
import Logging
import NIOCore
import PandaClient
import PandaConfig
import PandaCore
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
        guard monitor.auth == .token || token != nil else {
            throw MonitorStartError("monitor.auth is none, so the monitor needs monitor.credential (a token file with the read scope)")
        }
        // A page view asks once: a dead server is a 502 page at once, not a wait through retries.
        let api = PandaClient(servers: monitor.server.map(\.string), token: monitor.auth == .none ? token : nil,
                              settings: HTTPSettings(connectTimeout: .seconds(3), timeout: .seconds(20)),
                              retry: RetryPolicy(rounds: 1))
        let settings = MonitorSettings(pageSize: monitor.pageSize, queues: configuration.queues, logs: JobLogReader(endpoints: configuration.storageEndpoints.map(\.url.string)))
        let router = Router(context: BasicRequestContext.self)
        MonitorRoutes(api: api, auth: monitor.auth, settings: settings).register(on: router)
        let systemd = SystemdNotifier()
        let logger = self.logger
        let listen = monitor.listen
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "panda-monitor/\(PandaVersion.current)"),
            onServerRunning: { channel in
                let address = channel.localAddress?.description ?? listen.description
                logger.notice("panda monitor \(PandaVersion.current) on http://\(listen.host):\(channel.localAddress?.port ?? listen.port)/ (\(address)), reading \(monitor.server.map(\.string).joined(separator: ", "))")
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

/// Why the monitor would not start.
public struct MonitorStartError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
