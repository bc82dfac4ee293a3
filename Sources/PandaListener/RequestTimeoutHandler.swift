import Logging
import NIOCore
import NIOHTTPTypes

/// Closes a connection that takes too long to send what it owes: the head of
/// its first request (header timeout), the body of a request (body
/// timeout), or the next request on a kept-alive connection (idle timeout).
///
/// ```swift
/// HTTP1Channel.Configuration(additionalChannelHandlers: [RequestTimeoutHandler(timeouts: ...)])
/// ```
/// A client that sends half a request and waits, or opens a connection and
/// says nothing, would otherwise hold a descriptor and a task for ever. The
/// time the server spends answering never counts: only the client's part.
/// One scheduled task per connection, re-armed lazily, so a request costs a
/// few field writes on the hot path rather than a timer each.
final class RequestTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The three limits, in NIO's units.
    struct Timeouts: Sendable {
        let header: TimeAmount
        let body: TimeAmount
        let idle: TimeAmount
    }

    private enum Wait: String {
        case header = "the request head", body = "the request body", idle = "the next request"
    }

    private let timeouts: Timeouts
    private let logger: Logger
    /// What the client owes and by when; nil while the server is answering.
    private var waitingFor: (wait: Wait, deadline: NIODeadline)?
    private var readingBody = false
    private var unanswered = 0
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

    init(timeouts: Timeouts, logger: Logger) {
        self.timeouts = timeouts
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { expect(.header, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if waitingFor == nil { expect(.header, context: context) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            unanswered += 1
            readingBody = true
            expect(.body, context: context)
        case .body:
            break
        case .end:
            readingBody = false
            waitingFor = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered -= 1
            if unanswered <= 0, !readingBody { expect(.idle, context: context) }
        }
        context.write(data, promise: promise)
    }

    private func expect(_ wait: Wait, context: ChannelHandlerContext) {
        let amount: TimeAmount
        switch wait {
        case .header: amount = timeouts.header
        case .body: amount = timeouts.body
        case .idle: amount = timeouts.idle
        }
        let deadline = NIODeadline.now() + amount
        waitingFor = (wait, deadline)
        // A timer already due no later than the new deadline re-arms itself
        // when it fires; only an earlier deadline needs a new timer.
        if let timerDeadline, timerDeadline <= deadline { return }
        arm(at: deadline, context: context)
    }

    private func arm(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer?.cancel()
        timerDeadline = deadline
        let loop = context.eventLoop.assumeIsolatedUnsafeUnchecked()
        timer = loop.scheduleTask(deadline: deadline) { [self] in
            timer = nil
            timerDeadline = nil
            guard let waitingFor else { return }
            if waitingFor.deadline > .now() {
                arm(at: waitingFor.deadline, context: context)
                return
            }
            logger.debug("closing a connection that did not send \(waitingFor.wait.rawValue) in time",
                         metadata: ["peer": "\(context.channel.remoteAddress?.description ?? "?")"])
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension RequestTimeoutHandler: Sendable {}
