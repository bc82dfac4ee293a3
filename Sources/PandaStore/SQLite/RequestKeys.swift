import Foundation
import GRDB
import PandaCore

/// The remembered answers of keyed submissions, read and written in the same
/// savepoint as the request's own change: the change and its key commit
/// together or not at all, so a retry can never apply it twice. (Claims keep
/// their keys on the job rows instead: `ClaimKeys.swift`.)
enum RequestKeys {
    /// The stored answer of an earlier call with this key, if there was one.
    static func earlier(_ db: Database, _ key: RequestKey?) throws -> String? {
        guard let key else { return nil }
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT route, reply FROM request_keys WHERE caller = ? AND key = ?"),
                                         arguments: [key.caller, key.key]) else { return nil }
        let route: String = row[0]
        guard route == key.route else {
            throw StoreError.conflict("idempotency key \(key.key) was already used for \(route), not \(key.route)")
        }
        return row[1]
    }

    static func remember(_ db: Database, _ key: RequestKey?, reply: String, now: Double) throws {
        guard let key else { return }
        try db.cachedStatement(sql: "INSERT INTO request_keys (caller, key, route, reply, at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [key.caller, key.key, key.route, reply, now])
    }

    /// Forgets keys older than their lifetime; the sweeper calls it.
    static func purge(_ db: Database, now: Double) throws {
        try db.cachedStatement(sql: "DELETE FROM request_keys WHERE at < ?").execute(arguments: [now - RequestKey.lifetime])
    }
}

extension SQLiteJobStore {
    /// A submission's answer, remembered as the submitted jobs.
    static func insert(_ db: Database, _ jobs: [NewJob], specs: [String], key: RequestKey?, now: Double) throws -> [SubmittedJob] {
        if let earlier = try RequestKeys.earlier(db, key) {
            return try JSONDecoder().decode([SubmittedJob].self, from: Data(earlier.utf8))
        }
        let submitted = try insert(db, jobs, specs: specs, now: now)
        if key != nil {
            try RequestKeys.remember(db, key, reply: String(decoding: try JSONEncoder().encode(submitted), as: UTF8.self), now: now)
        }
        return submitted
    }
}
