import CCurl
import CCurlShim
import Dispatch
import Foundation
import PandaCore
import Synchronization

/// HTTP over libcurl: TLS, CA directories, client certificates, timeouts.
/// Easy handles are kept in a small pool so connections are reused, and
/// transfers run on a dispatch queue, never blocking Swift's cooperative threads.
///
/// ```swift
/// let transport = CurlTransport(settings: HTTPSettings())
/// let response = try await transport.perform(HTTPExchange(method: "GET", url: "http://127.0.0.1:25443/healthz"))
/// ```
public final class CurlTransport: Sendable {
    public let settings: HTTPSettings
    private let idleHandles = Mutex<[IdleHandle]>([])
    private static let queue = DispatchQueue(label: "panda.curl", attributes: .concurrent)
    static let maxIdleHandles = 8

    public init(settings: HTTPSettings) {
        Self.initialiseCurl
        self.settings = settings
    }

    deinit {
        for idle in idleHandles.withLock({ $0 }) { curl_easy_cleanup(idle.handle) }
    }

    /// curl_global_init, once per process, before any thread uses curl.
    private static let initialiseCurl: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    public func perform(_ exchange: HTTPExchange) async throws(TransportError) -> HTTPReply {
        let result: Result<HTTPReply, TransportError> = await withCheckedContinuation { continuation in
            Self.queue.async {
                continuation.resume(returning: self.performBlocking(exchange))
            }
        }
        return try result.get()
    }

    private func performBlocking(_ exchange: HTTPExchange) -> Result<HTTPReply, TransportError> {
        guard let handle = idleHandles.withLock({ $0.popLast()?.handle }) ?? curl_easy_init() else {
            return .failure(TransportError(url: exchange.url, message: "libcurl could not make a handle"))
        }
        curl_easy_reset(handle)
        let collector = ReplyCollector()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer {
            curl_slist_free_all(headerList)
            let kept = idleHandles.withLock { handles -> Bool in
                guard handles.count < Self.maxIdleHandles else { return false }
                handles.append(IdleHandle(handle: handle))
                return true
            }
            if !kept { curl_easy_cleanup(handle) }
        }
        for (name, value) in exchange.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        // Without this curl sends "Expect: 100-continue" and waits for large bodies.
        headerList = curl_slist_append(headerList, "Expect:")
        let context = Unmanaged.passUnretained(collector).toOpaque()
        let body = exchange.body ?? []
        let code: CURLcode = body.withUnsafeBufferPointer { bodyBytes in
            _ = panda_curl_setopt_string(handle, CURLOPT_URL, exchange.url)
            _ = panda_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            _ = panda_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(settings.connectTimeout.milliseconds))
            _ = panda_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(settings.timeout.milliseconds))
            _ = panda_curl_setopt_string(handle, CURLOPT_USERAGENT, "panda/\(PandaVersion.current)")
            _ = panda_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, exchange.method)
            _ = panda_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))
            if let caFile = settings.caFile { _ = panda_curl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
            if let caDirectory = settings.caDirectory { _ = panda_curl_setopt_string(handle, CURLOPT_CAPATH, caDirectory) }
            if let certificate = settings.clientCertificate { _ = panda_curl_setopt_string(handle, CURLOPT_SSLCERT, certificate) }
            if let key = settings.clientKey { _ = panda_curl_setopt_string(handle, CURLOPT_SSLKEY, key) }
            if exchange.body != nil {
                _ = panda_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bodyBytes.baseAddress))
                _ = panda_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bodyBytes.count))
            }
            _ = panda_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
            _ = panda_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION) { buffer, size, count, userdata in
                let collector = Unmanaged<ReplyCollector>.fromOpaque(userdata!).takeUnretainedValue()
                collector.body.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: size * count))
                return size * count
            }
            _ = panda_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
            _ = panda_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION) { buffer, size, count, userdata in
                let collector = Unmanaged<ReplyCollector>.fromOpaque(userdata!).takeUnretainedValue()
                let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: size * count), as: UTF8.self)
                if let colon = line.firstIndex(of: ":") {
                    let name = line[..<colon].lowercased()
                    let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                    collector.headers[name] = value
                }
                return size * count
            }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            return .failure(TransportError(url: exchange.url, message: String(cString: curl_easy_strerror(code)), curlCode: Int(code.rawValue)))
        }
        var status = 0
        _ = panda_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPReply(status: status, body: collector.body, headers: collector.headers))
    }
}

/// An easy handle no transfer is using. A handle may move between threads
/// as long as one thread at a time uses it, which the pool guarantees.
private struct IdleHandle: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
}

/// Gathers one reply's body and headers from libcurl's callbacks.
private final class ReplyCollector {
    var body: [UInt8] = []
    var headers: [String: String] = [:]
}

/// One request to send.
public struct HTTPExchange: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// What came back: status, body, headers (names in lower case).
public struct HTTPReply: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var headers: [String: String]
}

/// The request never got an HTTP answer: refused, timed out, TLS failed.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public let url: String
    public let message: String
    public var curlCode: Int = 0

    public var description: String { "\(url): \(message)" }
}
