import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// Counts the listener's open connections and refuses past a limit with a
/// 503 and a close, logging once per episode of refusals rather than once
/// per refused connection.
///
/// ```swift
/// let limit = ConnectionLimit(maximum: 10_000, logger: logger)
/// HTTPServerBuilder { responder in LimitedChildChannel(base: HTTP1Channel(responder: responder), limit: limit) }
/// ```
/// Refusing at accept with an answer (instead of no longer accepting, which
/// leaves clients in the kernel's backlog until they time out) tells a pilot
/// to come back later at once, and keeps the server's descriptors for the
/// connections it serves.
final class ConnectionLimit: Sendable {
    let maximum: Int
    private let openCount = Atomic<Int>(0)
    private let refusing = Atomic<Bool>(false)
    private let refused = Atomic<Int>(0)
    private let logger: Logger

    init(maximum: Int, logger: Logger) {
        self.maximum = maximum
        self.logger = logger
    }

    /// Counts a new connection in; false when it is one too many (it is
    /// counted anyway, and `release` must follow either way).
    func admit() -> Bool {
        let now = openCount.wrappingAdd(1, ordering: .relaxed).newValue
        guard now > maximum else { return true }
        refused.wrappingAdd(1, ordering: .relaxed)
        if !refusing.exchange(true, ordering: .relaxed) {
            logger.warning("\(maximum) connections open (server.connections.max): refusing new ones with 503 until some close")
        }
        return false
    }

    func release() {
        let now = openCount.wrappingSubtract(1, ordering: .relaxed).newValue
        // The episode ends once there is room for a tenth of the limit again,
        // so a server hovering at the limit does not log on every close.
        if now <= maximum - max(1, maximum / 10), refusing.exchange(false, ordering: .relaxed) {
            let count = refused.exchange(0, ordering: .relaxed)
            logger.notice("accepting connections again after refusing \(count)")
        }
    }
}

/// The HTTP child channel with a connection count in front: a refused
/// connection gets `RefuseConnectionHandler` first in its pipeline, which
/// answers 503 and closes before any request is read.
struct LimitedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let limit: ConnectionLimit

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let admitted = limit.admit()
        let limit = self.limit
        channel.closeFuture.whenComplete { _ in limit.release() }
        if !admitted {
            do {
                try channel.pipeline.syncOperations.addHandler(RefuseConnectionHandler())
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Writes a 503 in the API's envelope as soon as the connection is up, then
/// closes it; whatever the client sends is dropped unread.
final class RefuseConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    static let reply: String = {
        let body = #"{"success":false,"message":"the server has too many open connections; retry in a few seconds","data":null}"#
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Retry-After: 5\r\nConnection: close\r\n\r\n" + body
    }()

    func channelActive(context: ChannelHandlerContext) {
        refuse(context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private var refused = false

    private func refuse(_ context: ChannelHandlerContext) {
        guard !refused else { return }
        refused = true
        let buffer = context.channel.allocator.buffer(string: Self.reply)
        context.writeAndFlush(NIOAny(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension RefuseConnectionHandler: Sendable {}
