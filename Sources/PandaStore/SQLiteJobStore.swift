import Foundation
import Glibc
import GRDB
import PandaCore

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`,
/// written by one group-committing writer and read by a pool of readers.
///
/// ```swift
/// let store = try SQLiteJobStore(path: "/var/lib/panda/panda.db")
/// Task { await store.run() }         // the writer
/// ```
public final class SQLiteJobStore: JobStore {
    let pool: DatabasePool
    let writer: GroupCommitWriter

    /// Opens (creating if needed) and migrates the database. While another
    /// process holds the write lock (a backup, sqlite3 by hand), writes wait
    /// up to `busyTimeout`, then fail as `StoreError.database`.
    public init(path: String, busyTimeout: TimeInterval = 10) throws {
        var configuration = Configuration()
        configuration.label = "panda"
        // An answered request must survive power loss: fsync at every commit.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(busyTimeout)
        configuration.maximumReaderCount = 8
        try Self.createPrivately(path)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Schema.migrator.migrate(pool)
        writer = GroupCommitWriter(pool: pool)
    }

    /// Creates the database file, and the directories it needs, readable by
    /// their owner only (0600, 0700), whatever the umask: the file holds
    /// every user's jobs and the token list. SQLite gives its -wal and -shm
    /// files the database file's mode. An existing file is left as it is.
    static func createPrivately(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            // open's mode passes through the umask; fchmod makes it exactly 0600.
            fchmod(descriptor, 0o600)
            _ = Glibc.close(descriptor)
        } else if errno != EEXIST {
            throw StoreError.database("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Runs the writer until `close()`; start it before using the store.
    public func run() async {
        await writer.run()
    }

    /// Stops taking writes, commits what was accepted, and lets `run()` return.
    public func close() {
        writer.stop()
    }

    public func submit(_ jobs: [NewJob], key: RequestKey?, now: Double) async throws -> [SubmittedJob] {
        let encoder = JSONEncoder()
        let specs = try jobs.map { String(decoding: try encoder.encode($0.spec), as: UTF8.self) }
        return try await storeErrors { try await writer.write { db in try Self.insert(db, jobs, specs: specs, key: key, now: now) } }
    }

    public func claim(_ request: ClaimRequest, key: RequestKey?, now: Double) async throws -> [ClaimedJob] {
        try await storeErrors { try await writer.write { db in try Self.claim(db, request, key: key, now: now) } }
    }

    public func unmatched(_ request: ClaimRequest) async throws -> UnmatchedJobs? {
        try await storeErrors { try await pool.read { db in try Self.unmatched(db, request) } }
    }

    public func update(_ update: JobUpdate, queues: [String]?, now: Double) async throws(StoreError) -> UpdateReply {
        // A refusal is thrown inside the write, so its savepoint undoes
        // whatever ran before the refusal was found.
        try await storeErrors { try await writer.write { db in try Self.apply(db, update, queues: queues, now: now) } }
    }

    public func recover(_ request: RecoverRequest, now: Double) async throws(StoreError) -> RecoverResult {
        try await storeErrors { try await writer.write { db in try Self.recover(db, request, now: now) } }
    }

    public func updateMany(_ updates: [JobUpdate], queues: [String]?, now: Double) async throws -> [Result<UpdateReply, StoreError>] {
        let results = try await storeErrors {
            try await writer.writeEach(updates.map { update in { db in try Self.apply(db, update, queues: queues, now: now) } })
        }
        return results.map { result in result.mapError { $0 as? StoreError ?? .database(String(describing: $0)) } }
    }

    public func kill(_ ids: [Int64], owner: String?, now: Double) async throws -> [KillResult] {
        try await storeErrors { try await writer.write { db in try Self.kill(db, ids, owner: owner, now: now) } }
    }

    public func sweep(_ timeouts: SweepTimeouts, now: Double) async throws -> SweepReport {
        try await storeErrors { try await writer.write { db in try Self.sweep(db, timeouts, now: now) } }
    }

    public func status(of ids: [Int64], owner: String?) async throws -> [JobStatus] {
        try await storeErrors { try await pool.read { db in try Self.status(db, ids: ids, owner: owner) } }
    }

    public func describe(_ id: Int64, owner: String?) async throws -> JobDescription? {
        try await storeErrors { try await pool.read { db in try Self.describe(db, id: id, owner: owner) } }
    }

    public func summary() async throws -> StateSummary {
        try await storeErrors { try await pool.read { db in try Self.summary(db) } }
    }

    public func probe() async throws {
        let now = Date().timeIntervalSince1970
        try await storeErrors {
            try await writer.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO store_probe (id, at) VALUES (1, ?)", arguments: [now])
            }
        }
    }

    /// Whatever SQLite or GRDB throws reaches callers as StoreError.database,
    /// which the server answers with 503: the client did nothing wrong.
    func storeErrors<T>(_ body: () async throws -> T) async throws(StoreError) -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database(String(describing: error))
        }
    }
}

// MARK: Tasks and the catalogue

extension SQLiteJobStore {
    public func submitTask(_ task: NewTask, jobs: [NewJob], now: Double) async throws(StoreError) -> Int64 {
        // JSON is made here, outside the writer, whose transaction only one request can be in at a time.
        let encoded = try task.encodedSpecs(jobs: jobs)
        return try await storeErrors {
            try await writer.write { db in try Self.insertTask(db, task, spec: encoded.task, jobs: jobs, jobSpecs: encoded.jobs, now: now) }
        }
    }

    public func task(owner: String, requestID: String) async throws -> (id: Int64, queues: [String: Int])? {
        try await storeErrors {
            try await pool.read { db in
                try Self.taskID(db, owner: owner, requestID: requestID).map { ($0, try Self.jobsByQueue(db, task: $0)) }
            }
        }
    }

    public func taskStatus(_ id: Int64, owner: String?) async throws -> TaskStatus? {
        try await storeErrors { try await pool.read { db in try Self.taskStatus(db, id: id, owner: owner) } }
    }

    public func tasks(owner: String?, limit: Int) async throws -> [TaskStatus] {
        try await storeErrors { try await pool.read { db in try Self.tasks(db, owner: owner, limit: limit) } }
    }

    public func unendedWriters(ofDataset name: String) async throws -> [DatasetWriters] {
        try await storeErrors { try await pool.read { db in try Self.unendedWriters(db, dataset: name) } }
    }

    public func killTask(_ id: Int64, owner: String?, now: Double) async throws -> TaskKillResult? {
        try await storeErrors { try await writer.write { db in try Self.killTask(db, id: id, owner: owner, now: now) } }
    }

    public func retryTask(_ id: Int64, owner: String?, now: Double,
                          queueFor: @escaping @Sendable (JobSpec) -> String?) async throws -> TaskRetryResult? {
        try await storeErrors { try await writer.write { db in try Self.retryTask(db, id: id, owner: owner, now: now, queueFor: queueFor) } }
    }

    public func addFiles(_ request: AddFilesRequest, owner: String, now: Double) async throws(StoreError) -> AddFilesResult {
        try await storeErrors { try await writer.write { db in try Catalogue.addFiles(db, request, owner: owner, now: now) } }
    }

    public func datasets() async throws -> [DatasetSummary] {
        try await storeErrors { try await pool.read { db in try Catalogue.summaries(db) } }
    }

    public func owner(ofDataset name: String) async throws -> String? {
        try await storeErrors { try await pool.read { db in try String.fetchOne(db, sql: "SELECT owner FROM datasets WHERE name = ?", arguments: [name]) } }
    }

    public func registeredFiles(among names: [CatalogueFileName]) async throws -> [RegisteredFile] {
        try await storeErrors { try await pool.read { db in try Catalogue.registered(db, among: names) } }
    }

    public func dataset(named name: String) async throws -> DatasetContents? {
        try await storeErrors { try await pool.read { db in try Catalogue.contents(db, name: name) } }
    }
}
