import HTTPTypes
import Hummingbird
import PandaStore

extension HTTPField.Name {
    /// The client's key for one logical call, the same on every retry of it.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// `true` on the client's second and later tries of a keyed call: an
    /// earlier try may have reached the server, so the key must be looked up.
    static let idempotencyRetry = HTTPField.Name("Idempotency-Retry")!
}

extension Request {
    /// The request's idempotency key for `route`, owned by the caller; nil
    /// when the client sent none. A key is 1 to 128 letters, digits and `-_.:`
    /// (a UUID, say); anything else is refused before it is stored. An
    /// `Idempotency-Retry: true` beside it marks the call a retry; without a
    /// key there is nothing to look up, so the mark alone changes nothing.
    func requestKey(route: String, caller: TokenClaims) throws -> RequestKey? {
        let retry = headers[.idempotencyRetry]
        guard retry == nil || retry == "true" else { throw APIError(.badRequest, "Idempotency-Retry must be true when given") }
        guard let value = headers[.idempotencyKey] else { return nil }
        guard (1...128).contains(value.utf8.count), value.utf8.allSatisfy(Self.isKeyByte) else {
            throw APIError(.badRequest, "Idempotency-Key must be 1 to 128 letters, digits, '-', '_', '.' or ':'")
        }
        return RequestKey(caller: caller.subject, key: value, route: route, isRetry: retry != nil)
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }
}
