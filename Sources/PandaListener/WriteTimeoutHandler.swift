import Logging
import NIOCore

/// Closes a connection whose client stops reading its answer: once the
/// connection's outgoing buffer is full (NIO marks the channel unwritable),
/// the client has `timeout` to take some of it before the connection goes.
///
/// ```swift
/// HTTP1Channel.Configuration(additionalChannelHandlers: [WriteTimeoutHandler(timeout: .seconds(60), logger: logger)])
/// ```
/// The request timeouts do not cover this: while an answer is being written
/// the server is the one working, so they are off, and a client that never
/// reads would hold the connection, its buffers and the task writing to it
/// for ever. Any progress (the buffer draining below its mark) restarts the wait.
final class WriteTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            timer?.cancel()
            timer = nil
        } else if timer == nil {
            let loop = context.eventLoop.assumeIsolatedUnsafeUnchecked()
            timer = loop.scheduleTask(in: timeout) { [self] in
                timer = nil
                logger.debug("closing a connection whose client did not read its answer in time",
                             metadata: ["peer": "\(context.channel.remoteAddress?.description ?? "?")"])
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension WriteTimeoutHandler: Sendable {}
