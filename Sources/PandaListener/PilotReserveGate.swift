import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Serves a connection opened in the listener's reserve (the last slots
/// below its limit) only if its first request carries a pilot's (or a
/// factory's) valid token; any other gets 503 and a close, which gives the
/// slot back at once.
///
/// ```swift
/// PilotReserveGate(limit: limit, qualifies: { fields in isPilot(fields[.authorization]) })
/// ```
/// A client that fills the listener with connections then leaves pilots,
/// the clients the service exists for, the reserve to acquire and report.
/// Decided once per connection: a kept-alive pilot connection is not
/// checked again (its requests are authorized by the routes as always).
final class PilotReserveGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limit: ConnectionLimit
    private let qualifies: @Sendable (HTTPFields) -> Bool
    private enum Decision { case undecided, open, refused }
    private var decision = Decision.open

    init(limit: ConnectionLimit, qualifies: @escaping @Sendable (HTTPFields) -> Bool) {
        self.limit = limit
        self.qualifies = qualifies
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Added while the connection is set up, just after it was counted.
        decision = limit.inReserve ? .undecided : .open
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch decision {
        case .open:
            context.fireChannelRead(data)
        case .refused:
            break   // the rest of the refused request, dropped
        case .undecided:
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            if qualifies(head.headerFields) {
                decision = .open
                context.fireChannelRead(data)
            } else {
                decision = .refused
                refuse(context)
            }
        }
    }

    static let body = #"{"success":false,"message":"the server keeps its last connections for pilots; retry in a few seconds","data":null}"#

    private func refuse(_ context: ChannelHandlerContext) {
        var fields: HTTPFields = [.contentType: "application/json", .retryAfter: "5", .connection: "close"]
        fields[.contentLength] = String(Self.body.utf8.count)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .serviceUnavailable, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(string: Self.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension PilotReserveGate: Sendable {}
