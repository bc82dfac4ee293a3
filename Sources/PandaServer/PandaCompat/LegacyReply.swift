import Foundation
import HTTPTypes
import Hummingbird

/// A reply in the form the PanDA pilot 3 parses: one JSON object that starts
/// with `{` and ends with `}` (no trailing newline, which its urllib client
/// would take for form encoding), uncompressed, with PanDA's `StatusCode`.
///
/// ```swift
/// LegacyReply.json(["StatusCode": 0, "command": "NULL"])
/// ```
enum LegacyReply {
    /// PanDA's status codes (panda-server `Protocol.py`).
    enum StatusCode: Int {
        case success = 0
        case noJobs = 20
        case failed = 30
        case invalid = 50
        case role = 60
        case permission = 70
    }

    static func json(_ fields: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data(#"{"StatusCode": 30, "errorDialog": "encoding failed"}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ error: LegacyError) -> Response {
        json(["StatusCode": error.code.rawValue, "errorDialog": error.message], status: error.status)
    }
}

/// A refused pilot3 request: the HTTP status and PanDA's code. It is always
/// answered with a `StatusCode`, since pilot3 takes a getJob reply without
/// one for a job.
struct LegacyError: Error, Sendable {
    let status: HTTPResponse.Status
    let code: LegacyReply.StatusCode
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String, code: LegacyReply.StatusCode? = nil) {
        self.status = status
        self.message = message
        switch status {
        case .unauthorized: self.code = code ?? .permission
        case .forbidden: self.code = code ?? .role
        case .badRequest, .contentTooLarge: self.code = code ?? .invalid
        default: self.code = code ?? .failed
        }
    }
}
