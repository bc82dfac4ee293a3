import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// Counts a listener's open connections, in all and per source address,
/// and decides for each new one: served, served only if its first request
/// proves it is a pilot (the reserve), or refused with an answer and a close.
/// Refusals are logged once per episode rather than once per connection.
///
/// ```swift
/// let limit = ConnectionLimit(maximum: 10_000, perAddress: 2_000, reserve: 1_000, setting: "server.connections", logger: logger)
/// HTTPServerBuilder { responder in LimitedChildChannel(base: HTTP1Channel(responder: responder), limit: limit) }
/// ```
/// Refusing at accept with an answer (instead of no longer accepting, which
/// leaves clients in the kernel's backlog until they time out) tells a pilot
/// to come back later at once, and keeps descriptors for the connections
/// served. The per-address count keeps one client from taking every slot;
/// the reserve keeps the last slots for the pilots the service exists for.
public final class ConnectionLimit: Sendable {
    public let maximum: Int
    public let perAddress: Int
    public let reserve: Int
    /// The configuration key the limits come from, which log lines name.
    let setting: String
    private let state = Mutex(State())
    private let logger: Logger

    private struct State {
        var open = 0
        var byAddress: [String: Int] = [:]
        var refusing = false
        var refused = 0
    }

    /// What happens to a new connection.
    public enum Admission: Equatable, Sendable {
        case served
        /// In the reserve: served if its first request qualifies.
        case reserved
        case refused(Refusal)
    }

    public enum Refusal: Equatable, Sendable {
        case full, tooManyFromAddress
    }

    public init(maximum: Int, perAddress: Int, reserve: Int, setting: String, logger: Logger) {
        self.maximum = max(1, maximum)
        self.perAddress = max(1, perAddress)
        self.reserve = min(max(0, reserve), self.maximum - 1)
        self.setting = setting
        self.logger = logger
    }

    /// Counts a new connection from `address` in (it is counted whatever the
    /// answer, and `release` must follow either way).
    public func admit(address: String?) -> Admission {
        let key = address.map(Self.group)
        let (admission, startsEpisode) = state.withLock { (state: inout State) -> (Admission, Bool) in
            state.open += 1
            var fromAddress = 0
            if let key {
                fromAddress = state.byAddress[key, default: 0] + 1
                state.byAddress[key] = fromAddress
            }
            let admission: Admission
            if state.open > maximum {
                admission = .refused(.full)
            } else if fromAddress > perAddress {
                admission = .refused(.tooManyFromAddress)
            } else if state.open > maximum - reserve {
                admission = .reserved
            } else {
                return (.served, false)
            }
            guard case .refused = admission else { return (admission, false) }
            state.refused += 1
            let starts = !state.refusing
            state.refusing = true
            return (admission, starts)
        }
        if startsEpisode {
            switch admission {
            case .refused(.tooManyFromAddress):
                logger.warning("\(perAddress) connections open from \(key ?? "?") (\(setting).per_address): refusing more from there with 429 until some close")
            default:
                logger.warning("\(maximum) connections open (\(setting).max): refusing new ones with 503 until some close")
            }
        }
        return admission
    }

    public func release(address: String?) {
        let key = address.map(Self.group)
        let ended: Int? = state.withLock { (state: inout State) -> Int? in
            state.open -= 1
            if let key, let count = state.byAddress[key] {
                state.byAddress[key] = count > 1 ? count - 1 : nil
            }
            // The episode ends once there is room for a tenth of the limit
            // again, so a listener hovering at the limit does not log on every close.
            guard state.refusing, state.open <= maximum - max(1, maximum / 10) else { return nil }
            state.refusing = false
            defer { state.refused = 0 }
            return state.refused
        }
        if let ended { logger.notice("accepting connections again after refusing \(ended)") }
    }

    /// Whether the listener is in its reserve now.
    var inReserve: Bool { state.withLock { $0.open > maximum - reserve } }

    /// The key an address is counted under: an IPv4 address itself, an
    /// IPv6 address's /64 (one host usually has a whole /64 to pick from).
    static func group(_ address: String) -> String {
        guard address.contains(":") else { return address }
        var expanded = address
        if let dots = expanded.lastIndex(of: "."), let colon = expanded[..<dots].lastIndex(of: ":") {
            expanded = String(expanded[...colon]) + "0:0"   // an embedded IPv4 tail counts as the interface part
        }
        let halves = expanded.components(separatedBy: "::")
        let head = halves[0].split(separator: ":", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        let tail = halves.count > 1 ? halves[1].split(separator: ":").map(String.init) : []
        let groups = head.map(String.init) + Array(repeating: "0", count: max(0, 8 - head.count - tail.count)) + tail
        return groups.prefix(4).map { String(Int($0, radix: 16) ?? 0, radix: 16) }.joined(separator: ":") + "::/64"
    }
}

/// The HTTP child channel with a connection count in front: a refused
/// connection gets `RefuseConnectionHandler` first in its pipeline, which
/// answers and closes before any request is read; one in the reserve is
/// marked for `PilotReserveGate`.
public struct LimitedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Base.Value
    let base: Base
    let limit: ConnectionLimit

    public init(base: Base, limit: ConnectionLimit) {
        self.base = base
        self.limit = limit
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let address = channel.remoteAddress?.ipAddress
        let admission = limit.admit(address: address)
        let limit = self.limit
        channel.closeFuture.whenComplete { _ in limit.release(address: address) }
        if case .refused(let refusal) = admission {
            do {
                try channel.pipeline.syncOperations.addHandler(RefuseConnectionHandler(refusal))
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        return base.setup(channel: channel, logger: logger)
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Writes a refusal in the API's envelope as soon as the connection is up,
/// then closes it; whatever the client sends is dropped unread.
final class RefuseConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    static func reply(status: String, message: String) -> String {
        let body = #"{"success":false,"message":"\#(message)","data":null}"#
        return "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Retry-After: 5\r\nConnection: close\r\n\r\n" + body
    }

    static let full = reply(status: "503 Service Unavailable", message: "the server has too many open connections; retry in a few seconds")
    static let tooManyFromAddress = reply(
        status: "429 Too Many Requests", message: "too many open connections from your address; close some, or retry in a few seconds")

    private let text: String
    private var refused = false

    init(_ refusal: ConnectionLimit.Refusal) {
        text = refusal == .full ? Self.full : Self.tooManyFromAddress
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func refuse(_ context: ChannelHandlerContext) {
        guard !refused else { return }
        refused = true
        let buffer = context.channel.allocator.buffer(string: text)
        context.writeAndFlush(NIOAny(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension RefuseConnectionHandler: Sendable {}
