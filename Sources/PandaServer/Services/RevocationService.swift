import Foundation
import Logging
import PandaStore
import ServiceLifecycle

/// Brings token revocations from the store into the server's deny list
/// every `interval`, so a revoked token stops working within seconds while
/// requests themselves never read the database to find out.
///
/// ```swift
/// try await RevocationService.load(into: tokens, from: store)   // before the listener opens
/// RevocationService(store: store, tokens: tokens, logger: logger)  // then, in the service group
/// ```
struct RevocationService: Service {
    let store: any JobStore
    let tokens: VerifiedTokens
    var interval: Duration = .seconds(2)
    let logger: Logger
    /// The newest revocation already applied when the service starts.
    var since: Double = 0

    /// Applies every revocation in the store; returns the newest one's time.
    @discardableResult
    static func load(into tokens: VerifiedTokens, from store: any JobStore, since: Double = 0) async throws -> Double {
        let now = Date()
        let revoked = try await store.revokedTokens(since: since, now: now.timeIntervalSince1970)
        tokens.deny(revoked.map { ($0.id, $0.expiresAt) }, now: now)
        return revoked.last?.revokedAt ?? since
    }

    func run() async throws {
        var since = self.since
        while await pauseUnlessStopping(interval) {
            do {
                // Revocations made in the same instant as the last one seen are read again: deny is idempotent.
                let newest = try await Self.load(into: tokens, from: store, since: since)
                if newest > since {
                    logger.notice("token deny list updated")
                    since = newest
                }
            } catch {
                logger.warning("cannot read token revocations: \(error)")
            }
        }
    }
}
