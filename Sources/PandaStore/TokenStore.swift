/// The tokens the server issued, so they can be listed, and the deny list
/// of those revoked before they expire.
///
/// ```swift
/// try await store.recordToken(IssuedToken(id: claims.id, subject: "alice", scope: "submit", ...))
/// _ = try await store.revokeToken(id: "3f2a…", expiresAt: nil, now: now)
/// let denied = try await store.revokedTokens(since: lastCheck)   // the server polls this
/// ```
public protocol TokenStore: Sendable {
    /// Remembers a token just signed (not the token text: its claims). One
    /// whose minter is already revoked is recorded revoked.
    func recordToken(_ token: IssuedToken) async throws
    /// Puts a token id on the deny list, and every token it minted
    /// (`IssuedToken.mintedBy`); false when it was already there. An id never
    /// recorded (a token older than the list) is denied all the same, until
    /// `expiresAt` when known, else for a year.
    func revokeToken(id: String, expiresAt: Int64?, now: Double) async throws -> Bool
    /// Issued tokens, newest first; `includeEnded` adds expired and revoked ones.
    func issuedTokens(includeEnded: Bool, now: Double, limit: Int) async throws -> [IssuedToken]
    /// Tokens revoked at or after `since` that have not expired, oldest revocation first.
    func revokedTokens(since: Double, now: Double) async throws -> [RevokedToken]
}

/// A token as the server issued it.
public struct IssuedToken: Sendable, Equatable {
    public var id: String
    public var subject: String
    public var scope: String
    public var queues: [String]
    public var issuedAt: Int64
    public var expiresAt: Int64
    public var revokedAt: Double?
    /// The id of the token whose holder asked for this one (a factory's, for
    /// a pilot token it minted); revoking that one revokes this one too.
    public var mintedBy: String?

    public init(id: String, subject: String, scope: String, queues: [String], issuedAt: Int64, expiresAt: Int64, revokedAt: Double? = nil,
                mintedBy: String? = nil) {
        self.id = id
        self.subject = subject
        self.scope = scope
        self.queues = queues
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.mintedBy = mintedBy
    }
}

/// One entry of the deny list.
public struct RevokedToken: Sendable, Equatable {
    public var id: String
    public var revokedAt: Double
    public var expiresAt: Int64

    public init(id: String, revokedAt: Double, expiresAt: Int64) {
        self.id = id
        self.revokedAt = revokedAt
        self.expiresAt = expiresAt
    }
}
