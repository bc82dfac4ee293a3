#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore

/// Closes a connection whose client stops reading its answer: once the
/// server has flushed an answer, the kernel must take some of it within
/// `timeout` (a write completing is progress), or the connection goes.
///
/// ```swift
/// HTTP1Channel.Configuration(additionalChannelHandlers: [WriteTimeoutHandler(timeout: .seconds(60), logger: logger)])
/// ```
/// The request timeouts do not cover this: while an answer is being written
/// the server is the one working, so they are off, and a client that never
/// reads would hold the connection, its buffers and the task writing to it
/// for ever. NIO's writability is no signal here: an answer can stall with
/// less pending than its high-water mark. Only flushed writes count, so the
/// time the server takes to produce an answer never does.
final class WriteTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    private let timeout: TimeAmount
    private let logger: Logger
    /// Writes passed on since the last flush, and flushed ones not yet
    /// written to the socket. Writes complete in order.
    private var unflushed = 0
    private var flushed = 0
    private var lastProgress = NIODeadline.now()
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The completion is watched on this channel's loop: a caller's
        // promise of another loop is completed from one of ours.
        let watched: EventLoopPromise<Void>
        if let promise, promise.futureResult.eventLoop === context.eventLoop {
            watched = promise
        } else {
            watched = context.eventLoop.makePromise(of: Void.self)
            if let promise { watched.futureResult.cascade(to: promise) }
        }
        unflushed += 1
        watched.futureResult.assumeIsolated().whenComplete { [self] _ in written() }
        context.write(data, promise: watched)
    }

    func flush(context: ChannelHandlerContext) {
        flushed += unflushed
        unflushed = 0
        if flushed > 0 && timer == nil {
            lastProgress = .now()
            arm(context)
        }
        context.flush()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    private func written() {
        if flushed > 0 { flushed -= 1 } else if unflushed > 0 { unflushed -= 1 }
        lastProgress = .now()
        if flushed == 0 {
            timer?.cancel()
            timer = nil
        }
    }

    private func arm(_ context: ChannelHandlerContext) {
        let loop = context.eventLoop.assumeIsolatedUnsafeUnchecked()
        timer = loop.scheduleTask(deadline: lastProgress + timeout) { [self] in
            timer = nil
            guard flushed > 0 else { return }
            if lastProgress + timeout > .now() {
                arm(context)
                return
            }
            logger.debug("closing a connection whose client did not read its answer in time",
                         metadata: ["peer": "\(context.channel.remoteAddress?.description ?? "?")"])
            abort(context)
        }
    }

    /// Closes with a reset rather than a FIN, which would wait in the
    /// kernel behind the answer the client is not reading: the buffer is
    /// dropped at once, and the client sees the connection end.
    private func abort(_ context: ChannelHandlerContext) {
        guard let socket = context.channel as? SocketOptionProvider else {
            context.close(promise: nil)
            return
        }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension WriteTimeoutHandler: Sendable {}
