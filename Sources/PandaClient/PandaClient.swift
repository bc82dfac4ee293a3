import Foundation
import PandaCore
import Synchronization

/// The typed client of the panda API, shared by pilot, factory, monitor and
/// the user's commands.
///
/// ```swift
/// let client = PandaClient(servers: [primary, backup], token: token)
/// let jobs = try await client.acquire(AcquireRequest(queue: "LOCAL", ...)).jobs
/// ```
/// Servers are tried in order, starting from the last one that answered; a
/// server that cannot be reached, answers 5xx or sheds load (429, after its
/// Retry-After) is left for the next. A refusal (4xx) is final and comes
/// back as `ClientError.refused` with the server's message. Every POST
/// carries an `Idempotency-Key`, the same on all its retries, and each retry
/// an `Idempotency-Retry: true`.
public final class PandaClient: Sendable {
    public let servers: [String]
    private let token: String?
    private let transport: CurlTransport
    public let retry: RetryPolicy
    /// The server that answered last, tried first next time.
    private let preferred = Atomic<Int>(0)

    public init(servers: [String], token: String?, settings: HTTPSettings = HTTPSettings(), retry: RetryPolicy = RetryPolicy()) {
        self.servers = servers.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.token = token
        self.transport = CurlTransport(settings: settings)
        self.retry = retry
    }

    private init(servers: [String], token: String?, transport: CurlTransport, retry: RetryPolicy) {
        self.servers = servers
        self.token = token
        self.transport = transport
        self.retry = retry
    }

    /// The same servers and connections under another token: the monitor
    /// calls the server as each of its users.
    public func authorized(by token: String?) -> PandaClient {
        PandaClient(servers: servers, token: token, transport: transport, retry: retry)
    }

    /// Sends `body` as JSON to `path` and decodes the envelope's `data`.
    public func call<Reply: Decodable & Sendable>(_ method: String, _ path: String, body: (some Encodable)? = Optional<EmptyBody>.none,
                                                  as type: Reply.Type = Reply.self) async throws(ClientError) -> Reply {
        var bytes: [UInt8]?
        if let body {
            do { bytes = Array(try JSONEncoder().encode(body)) } catch { throw .encoding(String(describing: error)) }
        }
        let reply = try await send(method, path, body: bytes)
        do {
            return try JSONDecoder().decode(DataOf<Reply>.self, from: Data(reply.body)).data
        } catch {
            throw .malformedReply(path: path, detail: String(describing: error))
        }
    }

    /// As `call`, with the envelope's message too.
    func callWithMessage<Reply: Decodable & Sendable>(_ method: String, _ path: String, body: some Encodable,
                                                      as type: Reply.Type) async throws(ClientError) -> (String, Reply) {
        let bytes: [UInt8]
        do { bytes = Array(try JSONEncoder().encode(body)) } catch { throw .encoding(String(describing: error)) }
        let reply = try await send(method, path, body: bytes)
        do {
            let envelope = try JSONDecoder().decode(MessageAndData<Reply>.self, from: Data(reply.body))
            return (envelope.message ?? "", envelope.data)
        } catch {
            throw .malformedReply(path: path, detail: String(describing: error))
        }
    }

    /// One request with failover and retries; the reply is a 2xx.
    func send(_ method: String, _ path: String, body: [UInt8]?) async throws(ClientError) -> HTTPReply {
        var headers = [("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        // One key per logical call, the same on every retry and every server
        // tried: the server applies a keyed call once and answers a retry
        // with the first answer, so a lost reply never doubles a submission
        // or strands a claimed job.
        let keyed = method == "POST"
        if keyed { headers.append(("Idempotency-Key", Self.newIdempotencyKey())) }
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        var problems: [String] = []
        var tried = false, markedRetry = false
        for round in 0..<retry.rounds {
            if round > 0 { await pause(retry.delay(afterRound: round)) }
            let start = preferred.load(ordering: .relaxed)
            for offset in 0..<servers.count {
                let index = (start + offset) % servers.count
                let url = servers[index] + path
                // Every try after the first says so: an earlier one may have
                // been applied, so the server looks the key up (an acquire's
                // first try skips that lookup, which keeps dispatch cheap).
                if tried && keyed && !markedRetry {
                    headers.append(("Idempotency-Retry", "true"))
                    markedRetry = true
                }
                tried = true
                let reply: HTTPReply
                do {
                    reply = try await transport.perform(HTTPExchange(method: method, url: url, headers: headers, body: body))
                } catch {
                    problems.append(error.description)
                    continue
                }
                switch reply.status {
                case 200..<300:
                    preferred.store(index, ordering: .relaxed)
                    return reply
                case 429:
                    // The server is shedding load: wait as told, then let the next server (or round) try.
                    problems.append("\(url): busy (429)")
                    await pause(.seconds(Int64(reply.headers["retry-after"].flatMap(Int64.init) ?? 1)))
                case 500...:
                    problems.append("\(url): \(reply.status) \(Self.message(in: reply))")
                default:
                    throw .refused(status: reply.status, message: Self.message(in: reply))
                }
            }
        }
        throw .unavailable(problems.suffix(servers.count).joined(separator: "; "))
    }

    /// A key for one call: the time in milliseconds (hex), then 64 random
    /// bits. Keys made later sort later, so the server's table of them grows
    /// at one end instead of touching a random page per call.
    static func newIdempotencyKey(now: Date = Date()) -> String {
        let milliseconds = String(UInt64(now.timeIntervalSince1970 * 1000), radix: 16)
        return String(repeating: "0", count: max(0, 12 - milliseconds.count)) + milliseconds + "-" + RandomHex.make(bits: 64)
    }

    private func pause(_ span: TimeSpan) async {
        try? await Task.sleep(for: span.duration)
    }

    /// The envelope's message, or the start of whatever else came back.
    static func message(in reply: HTTPReply) -> String {
        if let envelope = try? JSONDecoder().decode(MessageOnly.self, from: Data(reply.body)) { return envelope.message }
        return String(decoding: reply.body.prefix(200), as: UTF8.self)
    }
}

/// How hard a client tries before giving up.
public struct RetryPolicy: Sendable {
    /// Passes over the whole server list.
    public var rounds: Int
    /// The wait before the second pass; it doubles each pass, with jitter.
    public var firstDelay: TimeSpan
    public var maxDelay: TimeSpan

    public init(rounds: Int = 3, firstDelay: TimeSpan = .seconds(1), maxDelay: TimeSpan = .minutes(5)) {
        self.rounds = max(1, rounds)
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
    }

    /// Exponential backoff with ±25% jitter, so many pilots that lost the
    /// server together do not come back together.
    func delay(afterRound round: Int) -> TimeSpan {
        let base = min(Double(firstDelay.milliseconds) * pow(2, Double(round - 1)), Double(maxDelay.milliseconds))
        return TimeSpan(milliseconds: Int64(base * Double.random(in: 0.75...1.25)))
    }
}

/// Why a call failed.
public enum ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered and said no (4xx): final, and the message says why.
    case refused(status: Int, message: String)
    /// No server answered usefully after every retry.
    case unavailable(String)
    case malformedReply(path: String, detail: String)
    case encoding(String)

    public var description: String {
        switch self {
        case .refused(_, let message): return message
        case .unavailable(let detail): return "no panda server answered: \(detail)"
        case .malformedReply(let path, let detail): return "unexpected reply from \(path): \(detail)"
        case .encoding(let detail): return "cannot encode the request: \(detail)"
        }
    }

    /// The HTTP status of a refusal, for `-v` output.
    public var status: Int? {
        if case .refused(let status, _) = self { return status }
        return nil
    }
}

/// An empty request body type for calls without one.
public struct EmptyBody: Encodable, Sendable {}

private struct DataOf<T: Decodable>: Decodable {
    let data: T
}

private struct MessageAndData<T: Decodable>: Decodable {
    let message: String?
    let data: T
}

private struct MessageOnly: Decodable {
    let message: String
}
