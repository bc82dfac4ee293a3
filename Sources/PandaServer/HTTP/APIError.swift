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

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONReply.envelope(Envelope<EmptyData>(success: false, message: message, data: nil), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    /// The status and message for a store refusal.
    init(_ error: StoreError) {
        switch error {
        case .notFound: self.init(.notFound, error.description)
        case .staleLease, .illegalTransition, .notRecoverable, .conflict: self.init(.conflict, error.description)
        case .forbidden: self.init(.forbidden, error.description)
        case .invalid: self.init(.badRequest, error.description)
        case .database: self.init(.serviceUnavailable, error.description)
        }
    }

    static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, message) }
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, message) }
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
