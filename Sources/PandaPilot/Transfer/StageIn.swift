import Foundation
import PandaClient
import PandaCore

/// Brings a job's inputs into its work directory: for each file, its
/// replicas in order, each tried `retries` more times when the storage is
/// unreachable, then size and checksum checked against the catalogue.
///
/// ```swift
/// try await StageIn(storage: storage, copytools: [.cp, .https], retries: 3, log: log).run(job.spec.inputs, into: work)
/// ```
struct StageIn {
    let storage: StorageAccess
    let copytools: [CopyTool]
    let retries: Int
    let log: PilotLog
    /// The bases replicas must lie under, by storage endpoint (nil: not told).
    var readFrom: [String: String]? = nil

    func run(_ inputs: [InputFile], into directory: String) async throws(JobFailure) {
        for input in inputs {
            try await fetch(input, to: directory + "/" + input.lfn)
        }
    }

    private func fetch(_ input: InputFile, to path: String) async throws(JobFailure) {
        let (placed, refused) = StorageLocation.placed(input.replicas, bases: readFrom)
        for reason in refused { log.info("stage-in of \(input.lfn): \(reason)") }
        let usable = placed.compactMap { replica in tool(for: replica.url).map { (replica, $0) } }
        guard !usable.isEmpty else {
            let urls = input.replicas.map(\.url).joined(separator: ", ")
            throw JobFailure(ErrorCode.replicaNotFound, "no replica of \(input.lfn) is readable with copytools "
                             + "[\(copytools.map(\.rawValue).joined(separator: ", "))]" + (urls.isEmpty ? "" : ": \(urls)"))
        }
        let expected = input.checksum.flatMap(Checksum.init)
        var failures: [JobFailure] = []
        for (replica, tool) in usable {
            for attempt in 0...retries {
                if attempt > 0 { try? await Task.sleep(for: .seconds(attempt)) }
                if Task.isCancelled { throw JobFailure(ErrorCode.stageInFailed, "stage-in of \(input.lfn) was stopped") }
                do {
                    try await copy(replica.url, to: path, tool: tool, input: input, expected: expected)
                    log.info("staged in \(input.lfn) from \(replica.url)")
                    return
                } catch let failure as JobFailure {
                    log.info("stage-in of \(input.lfn) from \(replica.url) failed: \(failure.diagnostic)")
                    failures.append(failure)
                    // A missing or corrupt replica stays so: go on to the next one.
                    if failure.code.number != 1099 && failure.code.number != 1151 { break }
                } catch {}
            }
            unlink(path)
        }
        throw Self.summary(of: failures, lfn: input.lfn)
    }

    private func copy(_ url: String, to path: String, tool: CopyTool, input: InputFile, expected: Checksum?) async throws {
        let size: Int64
        var summary: FileSummary?
        do {
            if tool == .symlink {
                size = try storage.link(url, to: path)
            } else {
                let got = try await storage.get(url, to: path, md5: expected?.algorithm == .md5)
                summary = got
                size = got.size
            }
        } catch {
            throw Self.failure(error, lfn: input.lfn)
        }
        if let wanted = input.size, wanted != size {
            throw JobFailure(ErrorCode.stageInFailed, "\(input.lfn) from \(url) has \(size) bytes, the catalogue says \(wanted)")
        }
        if let expected, let summary, !summary.matches(expected) {
            let actual = expected.algorithm == .md5 ? summary.md5?.description ?? "?" : summary.adler32.description
            throw JobFailure(expected.algorithm == .md5 ? ErrorCode.stageInMD5 : ErrorCode.stageInChecksum,
                             "\(input.lfn) from \(url) has checksum \(actual), the catalogue says \(expected)")
        }
    }

    /// The copy tool that reads this URL, by the queue's order of preference.
    private func tool(for url: String) -> CopyTool? {
        guard let location = StorageLocation(url) else { return nil }
        return copytools.first { tool in
            switch (tool, location) {
            case (.cp, .local), (.symlink, .local), (.https, .http): return true
            default: return false
            }
        }
    }

    static func failure(_ error: StorageError, lfn: String) -> JobFailure {
        switch error.kind {
        case .notFound: return JobFailure(ErrorCode.replicaNotFound, "\(lfn): \(error.message)")
        case .timedOut: return JobFailure(ErrorCode.stageInTimeout, "\(lfn): \(error.message)")
        default: return JobFailure(ErrorCode.stageInFailed, "\(lfn): \(error.message)")
        }
    }

    /// One failure for the file: checksum problems first (the data is bad),
    /// then timeouts, then missing replicas, else a plain stage-in failure.
    static func summary(of failures: [JobFailure], lfn: String) -> JobFailure {
        let detail = failures.map(\.diagnostic).joined(separator: "; ")
        for number in [1171, 1145, 1151] where failures.contains(where: { $0.code.number == number }) {
            return JobFailure(ErrorCode.lookup(number), detail)
        }
        if !failures.isEmpty && failures.allSatisfy({ $0.code.number == 1100 }) {
            return JobFailure(ErrorCode.replicaNotFound, detail)
        }
        return JobFailure(ErrorCode.stageInFailed, detail.isEmpty ? "\(lfn) could not be staged in" : detail)
    }
}
