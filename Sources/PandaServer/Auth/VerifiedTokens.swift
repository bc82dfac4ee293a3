import Foundation
import Synchronization

/// Tokens already verified, by their exact text. A pilot sends the same
/// token with every request; checking its HMAC and parsing its claims again
/// each time cost a sixth of the server's CPU. The signing key never changes
/// while the server runs, so a token that verified once verifies again; only
/// its expiry and the deny list are checked each time — both in memory, so
/// no request waits for the database.
///
/// ```swift
/// let tokens = VerifiedTokens(signer: signer)
/// tokens.deny(try await store.revokedTokens(since: 0, now: now).map(\.id))   // before serving
/// let claims = try tokens.claims(for: bearer)
/// ```
/// `RevocationService` feeds `deny` from the store every couple of seconds,
/// which bounds how long a revoked token keeps working.
final class VerifiedTokens: Sendable {
    private let signer: TokenSigner
    private let state = Mutex(State())
    /// Distinct tokens remembered before the cache starts over.
    static let capacity = 20_000

    private struct State {
        var cache: [String: TokenClaims] = [:]
        /// Revoked token ids, with their expiry (after which they need no entry).
        var denied: [String: Int64] = [:]

        /// Revoked itself, or minted by a revoked token: the store revokes
        /// what a revoked token minted too, and this covers the seconds
        /// before that reaches the deny list.
        func isDenied(_ claims: TokenClaims) -> Bool {
            denied[claims.id] != nil || claims.mintedBy.map { denied[$0] != nil } == true
        }
    }

    init(signer: TokenSigner) {
        self.signer = signer
    }

    func claims(for token: String, now: Date = Date()) throws(TokenError) -> TokenClaims {
        let cached = state.withLock { state -> (TokenClaims?, Bool) in
            guard let claims = state.cache[token] else { return (nil, false) }
            return (claims, state.isDenied(claims))
        }
        if let claims = cached.0 {
            if cached.1 { throw .revoked(id: claims.id) }
            guard Double(claims.expiresAt) > now.timeIntervalSince1970 else {
                state.withLock { _ = $0.cache.removeValue(forKey: token) }
                throw .expired(at: Date(timeIntervalSince1970: Double(claims.expiresAt)))
            }
            return claims
        }
        let claims = try signer.verify(token, now: now)
        let denied = state.withLock { state -> Bool in
            // Checked under the same lock as the insert, so a revocation that
            // arrives while this token is being verified is never missed.
            if state.isDenied(claims) { return true }
            if state.cache.count >= Self.capacity { state.cache.removeAll(keepingCapacity: true) }
            state.cache[token] = claims
            return false
        }
        if denied { throw .revoked(id: claims.id) }
        return claims
    }

    /// Adds revoked tokens to the deny list and forgets their cached claims.
    func deny(_ revoked: [(id: String, expiresAt: Int64)], now: Date = Date()) {
        guard !revoked.isEmpty else { return }
        state.withLock { state in
            for token in revoked { state.denied[token.id] = token.expiresAt }
            let ids = Set(revoked.map(\.id))
            state.cache = state.cache.filter { !ids.contains($0.value.id) && !($0.value.mintedBy.map { ids.contains($0) } ?? false) }
            // Expired tokens are refused by their expiry; their entries can go.
            let cutoff = Int64(now.timeIntervalSince1970)
            if state.denied.count > 1_000 { state.denied = state.denied.filter { $0.value > cutoff } }
        }
    }
}
