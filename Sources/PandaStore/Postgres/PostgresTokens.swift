import PostgresNIO

extension PostgresJobStore {
    public func recordToken(_ token: IssuedToken) async throws {
        try await write { tx in
            // Revoked from the start when its minter already is: a revocation
            // that ran while this token was being signed is not missed.
            try await tx.session.execute("""
                INSERT INTO tokens (id, subject, scope, queues, issued_at, expires_at, minted_by, revoked_at)
                VALUES (\(token.id), \(token.subject), \(token.scope), \(token.queues.joined(separator: ",")), \(token.issuedAt), \(token.expiresAt),
                        \(token.mintedBy), (SELECT revoked_at FROM tokens WHERE id = \(token.mintedBy) AND revoked_at IS NOT NULL))
                ON CONFLICT (id) DO NOTHING
                """)
        }
    }

    public func revokeToken(id: String, expiresAt: Int64?, now: Double) async throws -> Bool {
        try await write { tx in
            // What it minted goes with it (a factory's pilot tokens).
            try await tx.session.execute("UPDATE tokens SET revoked_at = \(now) WHERE minted_by = \(id) AND revoked_at IS NULL")
            if try await tx.session.one("UPDATE tokens SET revoked_at = \(now) WHERE id = \(id) AND revoked_at IS NULL RETURNING id") != nil {
                return true
            }
            // An id never recorded (a token older than the list) is denied all the same.
            let added = try await tx.session.one("""
                INSERT INTO tokens (id, subject, scope, queues, issued_at, expires_at, revoked_at)
                VALUES (\(id), '', '', '', 0, \(expiresAt ?? Int64(now) + 366 * 86_400), \(now))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """)
            return added != nil
        }
    }

    public func issuedTokens(includeEnded: Bool, now: Double, limit: Int) async throws -> [IssuedToken] {
        try await read { session in
            let rows = if includeEnded {
                try await session.rows("""
                    SELECT id, subject, scope, queues, issued_at, expires_at, revoked_at, minted_by FROM tokens
                    ORDER BY issued_at DESC, id COLLATE "C" LIMIT \(limit)
                    """)
            } else {
                try await session.rows("""
                    SELECT id, subject, scope, queues, issued_at, expires_at, revoked_at, minted_by FROM tokens
                    WHERE revoked_at IS NULL AND expires_at > \(Int64(now)) ORDER BY issued_at DESC, id COLLATE "C" LIMIT \(limit)
                    """)
            }
            return try rows.map { row in
                IssuedToken(id: try row[0], subject: try row[1], scope: try row[2],
                            queues: (try row[3] as String).split(separator: ",").map(String.init),
                            issuedAt: try row[4], expiresAt: try row[5], revokedAt: try row[6], mintedBy: try row[7])
            }
        }
    }

    public func revokedTokens(since: Double, now: Double) async throws -> [RevokedToken] {
        try await read { session in
            try await session.rows("""
                SELECT id, revoked_at, expires_at FROM tokens WHERE revoked_at >= \(since) AND expires_at > \(Int64(now)) ORDER BY revoked_at
                """).map { RevokedToken(id: try $0[0], revokedAt: try $0[1], expiresAt: try $0[2]) }
        }
    }
}
