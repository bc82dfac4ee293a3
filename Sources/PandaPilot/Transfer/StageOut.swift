import PandaClient
import PandaCore

/// A file a job leaves behind and where it should be stored.
struct OutgoingFile: Sendable, Codable, Equatable {
    let lfn: String
    /// Where it is on this node.
    var path: String
    let url: String
    let isLog: Bool
    /// The storage endpoint and scope, which the file catalogue records.
    var storage: String? = nil
    var scope: String? = nil
}

/// Stores a job's outputs and log: first asks the catalogue which of their
/// names it holds, and refuses (1391) before writing anything when one of
/// those would be written with other bytes; then each file is sent with its
/// checksum computed while it is read, and the stored size read back.
///
/// ```swift
/// let stored = try await StageOut(storage: storage, catalogue: client, retries: 3, log: log).run(files)
/// ```
struct StageOut {
    let storage: StorageAccess
    /// The server, whose catalogue says which names are taken.
    let catalogue: PandaClient
    let retries: Int
    let log: PilotLog

    func run(_ files: [OutgoingFile]) async throws(JobFailure) -> [StoredFile] {
        try await refuseRegistered(files)
        var stored: [StoredFile] = []
        for file in files {
            stored.append(try await send(file))
        }
        return stored
    }

    /// A name the catalogue holds is written again only with the same bytes
    /// (the same size and checksum); anything else fails before a write.
    private func refuseRegistered(_ files: [OutgoingFile]) async throws(JobFailure) {
        let names = files.compactMap { file in file.scope.map { RegisteredFilesRequest.FileName(scope: $0, lfn: file.lfn) } }
        let registered: [RegisteredFile]
        do {
            registered = try await catalogue.registeredFiles(names)
        } catch {
            // A server that is away must not cost the job its outputs (its
            // final report waits in the outbox for it): they are stored
            // unchecked, and the catalogue still refuses other bytes under a
            // registered name when the report arrives. docs/pilot.md says so.
            log.info("cannot ask the catalogue whether the outputs' names are free (\(error)); storing them unchecked")
            return
        }
        for entry in registered {
            guard let file = files.first(where: { $0.scope == entry.scope && $0.lfn == entry.lfn }) else { continue }
            let algorithm = entry.checksum.flatMap(Checksum.init)?.algorithm
            let local: FileSummary
            do {
                local = try FileDigest.of(file: file.path, md5: algorithm == .md5)
            } catch {
                throw JobFailure(ErrorCode.stageOutFailed, "\(file.lfn): \(error.message)")
            }
            if let conflict = entry.conflict(size: local.size, checksum: algorithm == .md5 ? local.md5 : local.adler32) {
                log.info("not staging out: \(conflict)")
                throw JobFailure(ErrorCode.outputRegistered, conflict)
            }
        }
    }

    private func send(_ file: OutgoingFile) async throws(JobFailure) -> StoredFile {
        var last = JobFailure(ErrorCode.stageOutFailed, "\(file.lfn) was not sent")
        for attempt in 0...retries {
            if attempt > 0 { try? await Task.sleep(for: .seconds(attempt)) }
            if Task.isCancelled { throw JobFailure(ErrorCode.stageOutFailed, "stage-out of \(file.lfn) was stopped") }
            do {
                let sent = try await storage.put(file.path, to: file.url)
                let remote = try await storage.size(of: file.url)
                guard remote == sent.size else {
                    last = JobFailure(ErrorCode.stageOutFailed, "\(file.url) holds \(remote) bytes after sending \(sent.size)")
                    continue
                }
                log.info("staged out \(file.lfn) to \(file.url) (\(sent.size) bytes, \(sent.adler32))")
                return StoredFile(lfn: file.lfn, size: sent.size, checksum: sent.adler32.description, url: file.url, isLog: file.isLog,
                                  storage: file.storage, scope: file.scope)
            } catch {
                last = JobFailure(error.kind == .timedOut ? ErrorCode.stageOutTimeout : ErrorCode.stageOutFailed, "\(file.lfn): \(error.message)")
                log.info("stage-out of \(file.lfn) failed: \(error.message)")
            }
        }
        throw last
    }
}
