import GRDB

extension SQLiteJobStore {
    public func recordToken(_ token: IssuedToken) async throws {
        try await storeErrors {
            try await writer.write { db in
                // Revoked from the start when its minter already is: a revocation
                // that ran while this token was being signed is not missed.
                try db.execute(sql: """
                    INSERT OR IGNORE INTO tokens (id, subject, scope, queues, issued_at, expires_at, minted_by, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT revoked_at FROM tokens WHERE id = ? AND revoked_at IS NOT NULL))
                    """, arguments: [token.id, token.subject, token.scope, token.queues.joined(separator: ","), token.issuedAt, token.expiresAt,
                                     token.mintedBy, token.mintedBy])
            }
        }
    }

    public func revokeToken(id: String, expiresAt: Int64?, now: Double) async throws -> Bool {
        try await storeErrors {
            try await writer.write { db in
                // What it minted goes with it (a factory's pilot tokens).
                try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE minted_by = ? AND revoked_at IS NULL", arguments: [now, id])
                try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [now, id])
                if db.changesCount == 1 { return true }
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tokens WHERE id = ?", arguments: [id]) == nil else { return false }
                try db.execute(sql: """
                    INSERT INTO tokens (id, subject, scope, queues, issued_at, expires_at, revoked_at) VALUES (?, '', '', '', 0, ?, ?)
                    """, arguments: [id, expiresAt ?? Int64(now) + 366 * 86_400, now])
                return true
            }
        }
    }

    public func issuedTokens(includeEnded: Bool, now: Double, limit: Int) async throws -> [IssuedToken] {
        try await storeErrors {
            try await pool.read { db in
                let condition = includeEnded ? "" : "WHERE revoked_at IS NULL AND expires_at > ?"
                let arguments: StatementArguments = includeEnded ? [limit] : [Int64(now), limit]
                return try Row.fetchAll(db, sql: """
                    SELECT id, subject, scope, queues, issued_at, expires_at, revoked_at, minted_by FROM tokens \(condition)
                    ORDER BY issued_at DESC, id LIMIT ?
                    """, arguments: arguments).map { row in
                    IssuedToken(id: row[0], subject: row[1], scope: row[2],
                                queues: (row[3] as String).split(separator: ",").map(String.init),
                                issuedAt: row[4], expiresAt: row[5], revokedAt: row[6], mintedBy: row[7])
                }
            }
        }
    }

    public func revokedTokens(since: Double, now: Double) async throws -> [RevokedToken] {
        try await storeErrors {
            try await pool.read { db in
                try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT id, revoked_at, expires_at FROM tokens WHERE revoked_at >= ? AND expires_at > ? ORDER BY revoked_at
                    """), arguments: [since, Int64(now)]).map { RevokedToken(id: $0[0], revokedAt: $0[1], expiresAt: $0[2]) }
            }
        }
    }

    /// Forgets tokens a week after they expired: verification refuses them
    /// by their expiry alone, revoked or not.
    static func purgeTokens(_ db: Database, now: Double) throws {
        try db.cachedStatement(sql: "DELETE FROM tokens WHERE expires_at < ?").execute(arguments: [Int64(now) - 7 * 86_400])
    }
}
