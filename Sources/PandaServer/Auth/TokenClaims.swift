import PandaCore
import PandaStore

/// What a token lets its holder do.
public enum Scope: String, Sendable, Codable, CaseIterable {
    /// A user: submit jobs; see and kill their own.
    case submit
    /// A pilot: acquire jobs of one queue, report on jobs it holds the lease for.
    case pilot
    /// A factory: ask demand for its queues and mint pilot tokens for them.
    case factory
    /// A dashboard: read everything.
    case read
    /// An operator: everything.
    case admin
}

/// The payload of a panda token (a JWT).
///
/// ```swift
/// let claims = TokenClaims(subject: "jdoe", scope: .submit, queues: [], issuedAt: now, expiresAt: now + 86_400)
/// let token = signer.sign(claims)
/// ```
public struct TokenClaims: Sendable, Codable, Equatable {
    /// The user, pilot or factory name.
    public var subject: String
    public var scope: Scope
    /// Queues the token is limited to (pilot: exactly one; factory: its queues).
    public var queues: [String]
    public var issuedAt: Int64
    /// Not valid before this time (nil: from `issuedAt`).
    public var notBefore: Int64?
    public var expiresAt: Int64
    /// A unique id: what the log names and what revocation denies.
    public var id: String
    /// Who signed it; the server accepts only its own (`TokenClaims.issuer`).
    public var issuer: String
    /// The id of the token whose holder asked for this one: a pilot token
    /// minted through `factory/pilot_token` names the factory's. Revoking
    /// that token revokes this one (`VerifiedTokens`, `TokenStore`).
    public var mintedBy: String?

    /// The issuer every panda server signs as.
    public static let issuer = "panda"

    enum CodingKeys: String, CodingKey {
        case subject = "sub", scope, queues, issuedAt = "iat", notBefore = "nbf", expiresAt = "exp", id = "jti", issuer = "iss"
        case mintedBy = "minted_by"
    }

    public init(subject: String, scope: Scope, queues: [String], issuedAt: Int64, expiresAt: Int64, notBefore: Int64? = nil,
                id: String = RandomHex.make(bits: 64), issuer: String = TokenClaims.issuer, mintedBy: String? = nil) {
        self.subject = subject
        self.scope = scope
        self.queues = queues
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.id = id
        self.issuer = issuer
        self.mintedBy = mintedBy
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        subject = try c.decode(String.self, forKey: .subject)
        scope = try c.decode(Scope.self, forKey: .scope)
        queues = try c.decodeIfPresent([String].self, forKey: .queues) ?? []
        issuedAt = try c.decode(Int64.self, forKey: .issuedAt)
        notBefore = try c.decodeIfPresent(Int64.self, forKey: .notBefore)
        expiresAt = try c.decode(Int64.self, forKey: .expiresAt)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
        issuer = try c.decodeIfPresent(String.self, forKey: .issuer) ?? ""
        mintedBy = try c.decodeIfPresent(String.self, forKey: .mintedBy)
    }

    /// Whether the token covers this queue (an empty list covers all, for
    /// scopes that are not about queues).
    public func covers(queue: String) -> Bool {
        queues.isEmpty ? scope == .admin || scope == .read : queues.contains(queue)
    }
}

extension TokenClaims {
    /// What the store keeps of a token it issued, for `panda token list`.
    public var issued: IssuedToken {
        IssuedToken(id: id, subject: subject, scope: scope.rawValue, queues: queues, issuedAt: issuedAt, expiresAt: expiresAt, mintedBy: mintedBy)
    }
}
