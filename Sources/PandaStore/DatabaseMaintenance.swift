import Foundation
import GRDB

/// What an operator does to the database file by hand: copy it while the
/// server runs, and check that a file is intact.
///
/// ```swift
/// let copied = try DatabaseMaintenance.backup(database: "/var/lib/panda/panda.db", to: "/srv/backup/panda.db")
/// let problems = try DatabaseMaintenance.check(database: "/srv/backup/panda.db")   // [] when intact
/// ```
/// The backup uses SQLite's online backup API from a read transaction: in WAL
/// mode the server keeps committing while it runs, and the copy is the
/// database as of one commit. It never opens the source for writing, so it
/// neither migrates nor creates it.
public enum DatabaseMaintenance {
    /// What a finished backup copied.
    public struct BackupSummary: Sendable {
        public let pages: Int
        public let bytes: Int64
    }

    /// Why a backup or check could not run (not what a check found).
    public struct MaintenanceError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Copies `database` to `destination` (mode 0600: it holds every user's
    /// jobs). The copy is written beside the destination and renamed into
    /// place only once complete and checked, so a failed backup never leaves
    /// a half-written file under the destination's name.
    public static func backup(database: String, to destination: String) throws -> BackupSummary {
        guard FileManager.default.fileExists(atPath: database) else {
            throw MaintenanceError("no database at \(database)")
        }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw MaintenanceError("\(destination) exists; give a new file name (a backup never overwrites)")
        }
        let partial = destination + ".partial-\(getpid())"
        let descriptor = open(partial, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw MaintenanceError("cannot create \(partial): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        var finished = false
        defer {
            if !finished { for suffix in ["", "-journal", "-wal", "-shm"] { unlink(partial + suffix) } }
        }
        do {
            let source = try DatabaseQueue(path: database, configuration: readOnly())
            let copy = try DatabaseQueue(path: partial)
            var pages = 0
            try source.backup(to: copy) { progress in pages = progress.totalPageCount }
            // The source is in WAL mode and so is the copy's header: switch
            // the copy back to a rollback journal so it is one file.
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            let problems = try copy.read(integrityProblems)
            try copy.close()
            try source.close()
            guard problems.isEmpty else {
                throw MaintenanceError("the copy fails its integrity check: \(problems.joined(separator: "; "))")
            }
            try syncFile(partial)
            guard rename(partial, destination) == 0 else {
                throw MaintenanceError("cannot rename \(partial) to \(destination): \(String(cString: strerror(errno)))")
            }
            finished = true
            let size = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int64) ?? 0
            return BackupSummary(pages: pages, bytes: size)
        } catch let error as MaintenanceError {
            throw error
        } catch {
            throw MaintenanceError("backup of \(database) failed: \(error)")
        }
    }

    /// SQLite's `integrity_check` and `foreign_key_check` on `database`:
    /// the problems found, or [] when the file is intact.
    public static func check(database: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: database) else {
            throw MaintenanceError("no database at \(database)")
        }
        do {
            let queue = try DatabaseQueue(path: database, configuration: readOnly())
            defer { try? queue.close() }
            return try queue.read(integrityProblems)
        } catch {
            throw MaintenanceError("cannot check \(database): \(error)")
        }
    }

    private static func readOnly() -> Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "panda-maintenance"
        // The server may be committing: wait for it rather than fail.
        configuration.busyMode = .timeout(30)
        return configuration
    }

    private static func integrityProblems(_ db: Database) throws -> [String] {
        var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
        let orphans = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
        problems += orphans.map { row in
            "foreign key: row \(row[1] as Int64? ?? 0) of \(row[0] as String? ?? "?") refers to a missing row of \(row[2] as String? ?? "?")"
        }
        return problems
    }

    private static func syncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw MaintenanceError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw MaintenanceError("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }
}
