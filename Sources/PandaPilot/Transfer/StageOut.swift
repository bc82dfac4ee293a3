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

/// Stores a job's outputs and log: each file sent with its checksum computed
/// while it is read, then the stored size read back from the storage.
///
/// ```swift
/// let stored = try await StageOut(storage: storage, retries: 3, log: log).run(files)
/// ```
struct StageOut {
    let storage: StorageAccess
    let retries: Int
    let log: PilotLog

    func run(_ files: [OutgoingFile]) async throws(JobFailure) -> [StoredFile] {
        var stored: [StoredFile] = []
        for file in files {
            stored.append(try await send(file))
        }
        return stored
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
