import Foundation
import GRDB
import PandaCore

/// The file catalogue's writes and reads, in the caller's transaction.
enum Catalogue {
    /// The dataset's id, creating it for `owner` when it does not exist.
    /// Someone else's dataset is refused.
    static func dataset(_ db: Database, name: String, owner: String, now: Double) throws -> Int64 {
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, owner FROM datasets WHERE name = ?"), arguments: [name]) {
            let holder: String = row[1]
            guard holder == owner else { throw StoreError.forbidden("dataset \(name) belongs to \(holder)") }
            return row[0]
        }
        try db.cachedStatement(sql: "INSERT INTO datasets (name, owner, created_at) VALUES (?, ?, ?)").execute(arguments: [name, owner, now])
        return db.lastInsertedRowID
    }

    /// Makes a new dataset; one that exists is a conflict.
    static func newDataset(_ db: Database, name: String, owner: String, now: Double) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM datasets WHERE name = ?", arguments: [name]) == nil else {
            throw StoreError.conflict("dataset \(name) already exists; give the task a new output dataset")
        }
        try db.execute(sql: "INSERT INTO datasets (name, owner, created_at) VALUES (?, ?, ?)", arguments: [name, owner, now])
    }

    /// Adds a file (or finds it) and links it into the dataset, if any; true
    /// when the dataset did not hold it yet. A registered file never changes
    /// size or checksum: a mismatch is a conflict (409).
    static func add(_ db: Database, file: DatasetFile, to dataset: Int64?) throws -> Bool {
        let existing = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, size, checksum FROM files WHERE scope = ? AND lfn = ?"),
                                        arguments: [file.scope, file.lfn])
        let fileID: Int64
        if let existing {
            fileID = existing[0]
            let size: Int64 = existing[1]
            let checksum: String? = existing[2]
            if size != file.size || (checksum != nil && file.checksum != nil && checksum != file.checksum) {
                throw StoreError.conflict("\(file.scope):\(file.lfn) is registered with size \(size) and checksum \(checksum ?? "none"), "
                                          + "not \(file.size) and \(file.checksum ?? "none"); a registered file never changes")
            }
        } else {
            try db.cachedStatement(sql: "INSERT INTO files (scope, lfn, size, checksum, is_log) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [file.scope, file.lfn, file.size, file.checksum, file.isLog])
            fileID = db.lastInsertedRowID
        }
        for replica in file.replicas {
            try db.cachedStatement(sql: """
                INSERT INTO replicas (file_id, storage, url) VALUES (?, ?, ?)
                ON CONFLICT (file_id, storage) DO UPDATE SET url = excluded.url
                """).execute(arguments: [fileID, replica.storage, replica.url])
        }
        guard let dataset else { return true }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO dataset_files (dataset_id, file_id) VALUES (?, ?)").execute(arguments: [dataset, fileID])
        return db.changesCount > 0
    }

    static func addFiles(_ db: Database, _ request: AddFilesRequest, owner: String, now: Double) throws -> AddFilesResult {
        let dataset = try dataset(db, name: request.dataset, owner: owner, now: now)
        var added = 0
        for file in request.files where try add(db, file: file, to: dataset) { added += 1 }
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM dataset_files WHERE dataset_id = ?", arguments: [dataset]) ?? 0
        return AddFilesResult(dataset: request.dataset, added: added, present: request.files.count - added, files: total)
    }

    /// Those of `names` the catalogue holds.
    static func registered(_ db: Database, among names: [CatalogueFileName]) throws -> [RegisteredFile] {
        let statement = try db.cachedStatement(sql: "SELECT size, checksum FROM files WHERE scope = ? AND lfn = ?")
        return try names.compactMap { name in
            try Row.fetchOne(statement, arguments: [name.scope, name.lfn]).map {
                RegisteredFile(scope: name.scope, lfn: name.lfn, size: $0[0], checksum: $0[1])
            }
        }
    }

    /// A finished job's outputs and log are registered, and join its output
    /// dataset when it has one, in the transaction that finishes the job.
    /// Registered even without a dataset, so that the name is held: nothing
    /// is written under it again unless it is the same file. Only what the
    /// job declared is registered, under the scope and at the destination it
    /// declared, in a dataset its owner owns (created for them when missing);
    /// a file already registered with other contents is a conflict.
    static func registerOutputs(_ db: Database, dataset name: String?, owner: String, job: Int64, outputs: [StoredFile], now: Double) throws {
        guard !outputs.isEmpty else { return }
        guard let specText = try String.fetchOne(db.cachedStatement(sql: "SELECT spec FROM jobs WHERE id = ?"), arguments: [job]) else {
            throw StoreError.notFound(job)
        }
        let spec = try JSONDecoder().decode(JobSpec.self, from: Data(specText.utf8))
        let files = try declaredFiles(spec: spec, job: job, outputs: outputs, strict: name != nil)
        let dataset = try name.map { name in try self.dataset(db, name: name, owner: owner, now: now) }
        for file in files { _ = try add(db, file: file, to: dataset) }
    }

    /// The reported outputs as catalogue files, each checked against what
    /// the job declared (both backends register through this one rule).
    /// Not `strict` (a job without an output dataset, whose reports were
    /// never checked): a file that does not match its declaration is left
    /// out rather than refusing the report.
    static func declaredFiles(spec: JobSpec, job: Int64, outputs: [StoredFile], strict: Bool = true) throws -> [DatasetFile] {
        var files: [DatasetFile] = []
        for output in outputs {
            guard strict else {
                if let file = try? declaredFiles(spec: spec, job: job, outputs: [output]) { files += file }
                continue
            }
            let declared: OutputFile
            if let file = (output.isLog ? spec.log.map { [$0] } ?? [] : spec.outputs).first(where: { $0.lfn == output.lfn }) {
                declared = file
            } else if output.isLog && spec.log == nil && output.lfn.hasPrefix("panda.\(job).") && output.lfn.hasSuffix(".log.tgz") {
                declared = OutputFile(lfn: output.lfn, scope: "panda")   // the pilot's own name for a log the job did not name
            } else {
                throw StoreError.invalid("job \(job) did not declare \(output.isLog ? "the log" : "an output") \(output.lfn)")
            }
            let scope = declared.scope ?? "panda"
            if let reported = output.scope, reported != scope {
                throw StoreError.invalid("job \(job) declared \(output.lfn) in scope \(scope), not \(reported)")
            }
            if let destination = declared.destination, output.storage != destination {
                throw StoreError.invalid("job \(job) declared \(output.lfn) for \(destination), not \(output.storage ?? "no storage")")
            }
            files.append(DatasetFile(scope: scope, lfn: output.lfn, size: output.size, checksum: output.checksum,
                                     isLog: output.isLog, replicas: [Replica(storage: output.storage ?? "", url: output.url)]))
        }
        return files
    }

    static func summaries(_ db: Database) throws -> [DatasetSummary] {
        try Row.fetchAll(db, sql: """
            SELECT d.name, d.owner, count(f.id), coalesce(sum(f.size), 0), d.created_at
            FROM datasets d LEFT JOIN dataset_files df ON df.dataset_id = d.id LEFT JOIN files f ON f.id = df.file_id
            GROUP BY d.id ORDER BY d.name
            """).map { DatasetSummary(name: $0[0], owner: $0[1], files: $0[2], bytes: $0[3], createdAt: $0[4]) }
    }

    /// A dataset with its files by lfn, each with every replica.
    static func contents(_ db: Database, name: String) throws -> DatasetContents? {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, owner, created_at FROM datasets WHERE name = ?", arguments: [name]) else {
            return nil
        }
        let id: Int64 = row[0]
        var files: [DatasetFile] = []
        var current: Int64 = -1
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT f.id, f.scope, f.lfn, f.size, f.checksum, f.is_log, r.storage, r.url
            FROM dataset_files df JOIN files f ON f.id = df.file_id LEFT JOIN replicas r ON r.file_id = f.id
            WHERE df.dataset_id = ? ORDER BY f.lfn, f.scope, f.id, r.storage
            """, arguments: [id])
        while let file = try cursor.next() {
            let fileID: Int64 = file[0]
            if fileID != current {
                files.append(DatasetFile(scope: file[1], lfn: file[2], size: file[3], checksum: file[4], isLog: file[5], replicas: []))
                current = fileID
            }
            if let storage: String = file[6] { files[files.count - 1].replicas.append(Replica(storage: storage, url: file[7])) }
        }
        return DatasetContents(name: name, owner: row[1], createdAt: row[2], files: files)
    }
}
