import Foundation
import Testing
@testable import PandaStore

/// Issue 21, item 11: a token records the token that minted it, and
/// revoking the minter revokes what it minted, on both databases.
@Suite("store: revoking a token revokes the tokens it minted")
struct TokenMinterTests {
    let now = 1_000_000.0

    func token(_ id: String, scope: String, mintedBy: String? = nil) -> IssuedToken {
        IssuedToken(id: id, subject: id, scope: scope, queues: ["Q"], issuedAt: Int64(now), expiresAt: Int64(now) + 86_400, mintedBy: mintedBy)
    }

    @Test("the factory's pilot tokens go on the deny list with it; other tokens stay valid", arguments: StoreBackend.all)
    func cascade(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        for token in [token("factory", scope: "factory"), token("pilot-1", scope: "pilot", mintedBy: "factory"),
                      token("pilot-2", scope: "pilot", mintedBy: "factory"), token("other-factory", scope: "factory"),
                      token("pilot-3", scope: "pilot", mintedBy: "other-factory")] {
            try await fixture.store.recordToken(token)
        }
        #expect(try await fixture.store.revokeToken(id: "factory", expiresAt: nil, now: now + 10))
        let denied = Set(try await fixture.store.revokedTokens(since: 0, now: now + 20).map(\.id))
        #expect(denied == ["factory", "pilot-1", "pilot-2"])
        let valid = try await fixture.store.issuedTokens(includeEnded: false, now: now + 20, limit: 100)
        #expect(Set(valid.map(\.id)) == ["other-factory", "pilot-3"])
        #expect(valid.first { $0.id == "pilot-3" }?.mintedBy == "other-factory")

        // A token recorded after its minter was revoked (minted in the same instant) is revoked from the start.
        try await fixture.store.recordToken(token("pilot-late", scope: "pilot", mintedBy: "factory"))
        #expect(Set(try await fixture.store.revokedTokens(since: 0, now: now + 20).map(\.id)).contains("pilot-late"))
        await fixture.close()
    }
}
