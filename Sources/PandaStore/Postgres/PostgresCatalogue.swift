import Foundation
import PandaCore
import PostgresNIO

/// The file catalogue on PostgreSQL, in the caller's transaction (as
/// `Catalogue` on SQLite). Rows that two servers could create at once
/// (datasets, files) are made with ON CONFLICT, so the second finds the first's.
enum PostgresCatalogue {
    static func dataset(_ session: PostgresSession, name: String, owner: String, now: Double) async throws -> Int64 {
        _ = try await session.rows("""
            INSERT INTO datasets (name, owner, created_at) VALUES (\(name), \(owner), \(now)) ON CONFLICT (name) DO NOTHING
            """)
        guard let row = try await session.one("SELECT id, owner FROM datasets WHERE name = \(name)") else {
            throw StoreError.database("dataset \(name) vanished while it was written")
        }
        let holder: String = try row[1]
        guard holder == owner else { throw StoreError.forbidden("dataset \(name) belongs to \(holder)") }
        return try row[0]
    }

    static func newDataset(_ session: PostgresSession, name: String, owner: String, now: Double) async throws {
        let made = try await session.one("""
            INSERT INTO datasets (name, owner, created_at) VALUES (\(name), \(owner), \(now)) ON CONFLICT (name) DO NOTHING RETURNING id
            """)
        guard made != nil else {
            throw StoreError.conflict("dataset \(name) already exists; give the task a new output dataset")
        }
    }

    /// Adds a file (or finds it) and links it into the dataset; true when the
    /// dataset did not hold it yet. A registered file never changes size or checksum.
    static func add(_ session: PostgresSession, file: DatasetFile, to dataset: Int64?) async throws -> Bool {
        _ = try await session.rows("""
            INSERT INTO files (scope, lfn, size, checksum, is_log) VALUES (\(file.scope), \(file.lfn), \(file.size), \(file.checksum), \(file.isLog))
            ON CONFLICT (scope, lfn) DO NOTHING
            """)
        guard let existing = try await session.one("SELECT id, size, checksum FROM files WHERE scope = \(file.scope) AND lfn = \(file.lfn)") else {
            throw StoreError.database("file \(file.scope):\(file.lfn) vanished while it was written")
        }
        let fileID: Int64 = try existing[0]
        let size: Int64 = try existing[1]
        let checksum: String? = try existing[2]
        if size != file.size || (checksum != nil && file.checksum != nil && checksum != file.checksum) {
            throw StoreError.conflict("\(file.scope):\(file.lfn) is registered with size \(size) and checksum \(checksum ?? "none"), "
                                      + "not \(file.size) and \(file.checksum ?? "none"); a registered file never changes")
        }
        for replica in file.replicas {
            try await session.execute("""
                INSERT INTO replicas (file_id, storage, url) VALUES (\(fileID), \(replica.storage), \(replica.url))
                ON CONFLICT (file_id, storage) DO UPDATE SET url = excluded.url
                """)
        }
        guard let dataset else { return true }
        let linked = try await session.one("""
            INSERT INTO dataset_files (dataset_id, file_id) VALUES (\(dataset), \(fileID)) ON CONFLICT DO NOTHING RETURNING file_id
            """)
        return linked != nil
    }

    static func addFiles(_ session: PostgresSession, _ request: AddFilesRequest, owner: String, now: Double) async throws -> AddFilesResult {
        let dataset = try await dataset(session, name: request.dataset, owner: owner, now: now)
        var added = 0
        for file in request.files where try await add(session, file: file, to: dataset) { added += 1 }
        let total = try await session.value("SELECT count(*) FROM dataset_files WHERE dataset_id = \(dataset)", as: Int.self) ?? 0
        return AddFilesResult(dataset: request.dataset, added: added, present: request.files.count - added, files: total)
    }

    /// A finished job's declared outputs and log are registered (and join its
    /// output dataset, if any), as `Catalogue.registerOutputs`.
    static func registerOutputs(_ session: PostgresSession, dataset name: String?, owner: String, job: Int64, outputs: [StoredFile],
                                now: Double) async throws {
        guard !outputs.isEmpty else { return }
        guard let specText = try await session.value("SELECT spec FROM jobs WHERE id = \(job)", as: String.self) else {
            throw StoreError.notFound(job)
        }
        let spec = try JSONDecoder().decode(JobSpec.self, from: Data(specText.utf8))
        let files = try Catalogue.declaredFiles(spec: spec, job: job, outputs: outputs, strict: name != nil)
        var dataset: Int64?
        if let name { dataset = try await self.dataset(session, name: name, owner: owner, now: now) }
        for file in files { _ = try await add(session, file: file, to: dataset) }
    }
}

extension PostgresJobStore {
    public func addFiles(_ request: AddFilesRequest, owner: String, now: Double) async throws(StoreError) -> AddFilesResult {
        try await write { tx in try await PostgresCatalogue.addFiles(tx.session, request, owner: owner, now: now) }
    }

    public func datasets() async throws -> [DatasetSummary] {
        try await read { session in
            try await session.rows("""
                SELECT d.name, d.owner, count(f.id), coalesce(sum(f.size), 0)::bigint, d.created_at
                FROM datasets d LEFT JOIN dataset_files df ON df.dataset_id = d.id LEFT JOIN files f ON f.id = df.file_id
                GROUP BY d.id ORDER BY d.name COLLATE "C"
                """).map { DatasetSummary(name: try $0[0], owner: try $0[1], files: try $0[2], bytes: try $0[3], createdAt: try $0[4]) }
        }
    }

    public func owner(ofDataset name: String) async throws -> String? {
        try await read { session in try await session.value("SELECT owner FROM datasets WHERE name = \(name)", as: String.self) }
    }

    public func registeredFiles(among names: [CatalogueFileName]) async throws -> [RegisteredFile] {
        try await read { session in
            var found: [RegisteredFile] = []
            for name in names {
                guard let row = try await session.one("SELECT size, checksum FROM files WHERE scope = \(name.scope) AND lfn = \(name.lfn)") else {
                    continue
                }
                found.append(RegisteredFile(scope: name.scope, lfn: name.lfn, size: try row[0], checksum: try row[1]))
            }
            return found
        }
    }

    public func dataset(named name: String) async throws -> DatasetContents? {
        try await read { session in
            guard let row = try await session.one("SELECT id, owner, created_at FROM datasets WHERE name = \(name)") else { return nil }
            let id: Int64 = try row[0]
            var files: [DatasetFile] = []
            var current: Int64 = -1
            for file in try await session.rows("""
                SELECT f.id, f.scope, f.lfn, f.size, f.checksum, f.is_log, r.storage, r.url
                FROM dataset_files df JOIN files f ON f.id = df.file_id LEFT JOIN replicas r ON r.file_id = f.id
                WHERE df.dataset_id = \(id) ORDER BY f.lfn COLLATE "C", f.scope COLLATE "C", f.id, r.storage COLLATE "C"
                """) {
                let fileID: Int64 = try file[0]
                if fileID != current {
                    files.append(DatasetFile(scope: try file[1], lfn: try file[2], size: try file[3], checksum: try file[4],
                                             isLog: try file[5], replicas: []))
                    current = fileID
                }
                if let storage: String = try file[6] { files[files.count - 1].replicas.append(Replica(storage: storage, url: try file[7])) }
            }
            return DatasetContents(name: name, owner: try row[1], createdAt: try row[2], files: files)
        }
    }
}
