import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import PandaConfig
import PandaSystem

/// The HTTP listener of `panda server` and `panda monitor`, with the same
/// protections for both: request, idle and write timeouts, a connection
/// limit in all and per address, the pilot reserve, and an open-file limit
/// raised so the connection limit can be reached.
///
/// ```swift
/// let limit = ProtectedListener.limit(configuration.server.connections, setting: "server.connections", logger: logger)
/// let http = ProtectedListener.http(configuration.server.connections, limit: limit, logger: logger, reserveFor: isPilot)
/// ```
public enum ProtectedListener {
    /// The connection limit in force: the configured one, but always below
    /// the open-file limit (raised to its hard limit first), so the process
    /// keeps descriptors for its database, its logs and `/healthz`.
    public static func limit(_ settings: ListenerConfig, setting: String, logger: Logger) -> ConnectionLimit {
        let files = OpenFileLimit.raiseToHard()
        let configured = settings.maxConnections
        let room = Int(min(files, UInt64(Int.max))) - 64
        let maximum = max(1, min(configured, room))
        if maximum < configured {
            logger.warning("\(setting).max \(configured) is above what \(files) open files allow; using \(maximum)")
        }
        // The reserve and the per-address share shrink with a capped limit.
        let reserve = maximum < configured ? settings.pilotReserve * maximum / configured : settings.pilotReserve
        return ConnectionLimit(maximum: maximum, perAddress: min(settings.perAddress, maximum), reserve: reserve,
                               setting: setting, logger: logger)
    }

    /// HTTP/1.1 with the limit and the timeouts. `reserveFor` tells whether a
    /// request's fields qualify it for the reserve; nil: no reserve.
    public static func http(_ settings: ListenerConfig, limit: ConnectionLimit, logger: Logger,
                            reserveFor qualifies: (@Sendable (HTTPFields) -> Bool)? = nil) -> HTTPServerBuilder {
        let timeouts = RequestTimeoutHandler.Timeouts(
            header: .milliseconds(Int64(settings.headerTimeout.milliseconds)),
            body: .milliseconds(Int64(settings.bodyTimeout.milliseconds)),
            idle: .milliseconds(Int64(settings.idleTimeout.milliseconds)))
        let write = TimeAmount.milliseconds(Int64(settings.writeTimeout.milliseconds))
        return HTTPServerBuilder { responder in
            LimitedChildChannel(
                base: HTTP1Channel(responder: responder, configuration: .init(additionalChannelHandlers: {
                    var handlers: [any RemovableChannelHandler] = [
                        RequestTimeoutHandler(timeouts: timeouts, logger: logger), WriteTimeoutHandler(timeout: write, logger: logger),
                    ]
                    if let qualifies, limit.reserve > 0 { handlers.append(PilotReserveGate(limit: limit, qualifies: qualifies)) }
                    return handlers
                }())),
                limit: limit)
        }
    }
}
