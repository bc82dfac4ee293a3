import Foundation
import HTTPTypes
import Hummingbird
import PandaCore
import PandaStore

/// An error answered as the API's JSON envelope with the right status:
/// `{"success": false, "message": "...", "data": null}`.
///
/// ```swift
/// throw APIError(.notFound, "job 42 does not exist")
/// ```
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let message: String
    /// Extra headers, such as Retry-After on 429.
    public var headers: HTTPFields = [:]
    /// Set on a failure of the server's own: the id its log line carries,
    /// returned as `request_id` and `X-Request-ID` instead of the error text.
    public var requestID: String?
    /// The failure's own text, for the log line only; never sent.
    var internalDetail: String?

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = (try? JSONReply.encoder.encode(ErrorEnvelope(message: message, requestID: requestID))) ?? Data()
        var response = Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        response.headers.append(contentsOf: headers)
        if let requestID { response.headers[.requestID] = requestID }
        return response
    }

    /// An internal failure as the client sees it: a request id to quote, and
    /// nothing of the error itself, which may name files, SQL or memory.
    static func internalFailure(_ status: HTTPResponse.Status, _ what: String, detail: String) -> APIError {
        let id = RequestID.make()
        var error = APIError(status, "\(what); quote request id \(id) to the operator")
        error.requestID = id
        error.internalDetail = detail
        return error
    }

    /// The status and message for a store refusal.
    init(_ error: StoreError) {
        switch error {
        case .notFound: self.init(.notFound, error.description)
        case .staleLease, .illegalTransition, .notRecoverable, .conflict: self.init(.conflict, error.description)
        case .forbidden: self.init(.forbidden, error.description)
        case .invalid: self.init(.badRequest, error.description)
        case .database: self = .internalFailure(.serviceUnavailable, "the database failed", detail: "store failed: \(error)")
        }
    }

    static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, message) }
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, message) }
}

/// The failure envelope: `data` is always null; `request_id` only when the
/// server failed on its own.
struct ErrorEnvelope: Encodable {
    let message: String
    let requestID: String?

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(false, forKey: .success)
        try c.encode(message, forKey: .message)
        try c.encodeNil(forKey: .data)
        try c.encodeIfPresent(requestID, forKey: .requestID)
    }

    enum CodingKeys: String, CodingKey { case success, message, data, requestID = "request_id" }
}

/// Short random ids that tie a reply to its log line.
enum RequestID {
    static func make() -> String {
        (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-ID")!
}

/// `data: null`.
public struct EmptyData: Codable, Sendable {}

/// Builds JSON responses.
enum JSONReply {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static func envelope<T: Codable & Sendable>(_ envelope: Envelope<T>, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(envelope)) ?? Data(#"{"success":false,"message":"encoding failed","data":null}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func success<T: Codable & Sendable>(_ data: T, message: String = "") -> Response {
        envelope(Envelope(success: true, message: message, data: data))
    }
}
