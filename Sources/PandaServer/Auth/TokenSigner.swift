import Crypto
import Foundation

/// Signs and verifies panda tokens: JWTs with HS256 (HMAC-SHA256) over the
/// server's signing key.
///
/// ```swift
/// let signer = TokenSigner(key: try SigningKey.loadOrCreate(at: path))
/// let token = try signer.sign(claims)
/// let claims = try signer.verify(token, now: Date())
/// ```
public struct TokenSigner: Sendable {
    // Kept as bytes, which are Sendable; a SymmetricKey is cheap to remake.
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(key: SymmetricKey) {
        keyBytes = key.withUnsafeBytes { Data($0) }
    }

    private static let header = base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    public func sign(_ claims: TokenClaims) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = Self.header + "." + Self.base64URL(try encoder.encode(claims))
        let signature = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: key)
        return body + "." + Self.base64URL(Data(signature))
    }

    /// Clocks of the hosts that mint and check tokens may differ this much.
    static let clockSkew: Int64 = 60

    /// The claims of a token this server signed that is valid now: signed
    /// with this key, by panda (`iss`), with an id (`jti`, what revocation
    /// names), issued (`iat`) and valid from (`nbf`) no later than now, not
    /// expired (`exp`). Revocation is checked by the caller (`VerifiedTokens`).
    public func verify(_ token: String, now: Date = Date()) throws(TokenError) -> TokenClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.decodeBase64URL(parts[0]),
              let payload = Self.decodeBase64URL(parts[1]), let signature = Self.decodeBase64URL(parts[2]) else {
            throw .malformed("not a JWT (three base64url parts)")
        }
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
              header["alg"] as? String == "HS256" else {
            throw .malformed("only HS256 tokens are accepted")
        }
        let signed = Data("\(parts[0]).\(parts[1])".utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: key) else {
            throw .badSignature
        }
        let claims: TokenClaims
        do {
            claims = try JSONDecoder().decode(TokenClaims.self, from: payload)
        } catch let error as DecodingError {
            // Said as a field and what it lacks, never the decoder's own text,
            // which names Swift types and reaches anyone who sends a token.
            throw .malformed("claims are not panda's: \(JSONBody.explain(error))")
        } catch {
            throw .malformed("claims are not panda's (sub, scope, iat, exp, jti, iss)")
        }
        guard claims.issuer == TokenClaims.issuer else {
            throw .malformed("issuer '\(claims.issuer)' is not \(TokenClaims.issuer)")
        }
        guard !claims.id.isEmpty else { throw .malformed("no token id (jti)") }
        let seconds = Int64(now.timeIntervalSince1970)
        let validFrom = max(claims.issuedAt, claims.notBefore ?? claims.issuedAt)
        guard validFrom <= seconds + Self.clockSkew else {
            throw .notYetValid(from: Date(timeIntervalSince1970: Double(validFrom)))
        }
        guard Double(claims.expiresAt) > now.timeIntervalSince1970 else {
            throw .expired(at: Date(timeIntervalSince1970: Double(claims.expiresAt)))
        }
        return claims
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> Data? {
        var bytes = text.utf8.map { byte -> UInt8 in
            switch byte {
            case UInt8(ascii: "-"): return UInt8(ascii: "+")
            case UInt8(ascii: "_"): return UInt8(ascii: "/")
            default: return byte
            }
        }
        bytes += repeatElement(UInt8(ascii: "="), count: (4 - bytes.count % 4) % 4)
        return Data(base64Encoded: Data(bytes))
    }
}

/// Why a token was refused.
public enum TokenError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case badSignature
    case expired(at: Date)
    /// Issued in the future, or its `nbf` is still ahead.
    case notYetValid(from: Date)
    /// On the deny list (`panda token revoke`).
    case revoked(id: String)

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed token: \(why)"
        case .badSignature: return "token signature does not match this server's key"
        case .expired(let at): return "token expired at \(ISO8601DateFormatter().string(from: at))"
        case .notYetValid(let from): return "token is not valid before \(ISO8601DateFormatter().string(from: from))"
        case .revoked(let id): return "token \(id) was revoked"
        }
    }
}
