import Foundation
import Synchronization

/// Tokens already verified, by their exact text. A pilot sends the same
/// token with every request; checking its HMAC and parsing its claims again
/// each time cost a sixth of the server's CPU. The signing key never changes
/// while the server runs, so a token that verified once verifies again; only
/// its expiry is checked each time.
final class VerifiedTokens: Sendable {
    private let signer: TokenSigner
    private let cache = Mutex<[String: TokenClaims]>([:])
    /// Distinct tokens remembered before the cache starts over.
    static let capacity = 20_000

    init(signer: TokenSigner) {
        self.signer = signer
    }

    func claims(for token: String, now: Date = Date()) throws(TokenError) -> TokenClaims {
        if let claims = cache.withLock({ $0[token] }) {
            guard Double(claims.expiresAt) > now.timeIntervalSince1970 else {
                cache.withLock { _ = $0.removeValue(forKey: token) }
                throw .expired(at: Date(timeIntervalSince1970: Double(claims.expiresAt)))
            }
            return claims
        }
        let claims = try signer.verify(token, now: now)
        cache.withLock { cache in
            if cache.count >= Self.capacity { cache.removeAll(keepingCapacity: true) }
            cache[token] = claims
        }
        return claims
    }
}
