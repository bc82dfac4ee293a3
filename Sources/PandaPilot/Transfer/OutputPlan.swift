import Foundation
import PandaClient
import PandaCore

/// Which files a finished job leaves and where each goes: its declared
/// outputs, and the log tarball, each to its destination storage endpoint
/// (the job's, else the queue's write_to) at `BASE/SCOPE/LFN`.
struct OutputPlan {
    let job: DispatchedJob
    let work: String
    static let defaultScope = "panda"

    var logName: String { job.spec.log?.lfn ?? "panda.\(job.id).\(job.attempt).log.tgz" }

    /// The declared outputs; a missing one fails the job (1103).
    func outputs() throws(JobFailure) -> [OutgoingFile] {
        var files: [OutgoingFile] = []
        for output in job.spec.outputs {
            let path = work + "/" + output.lfn
            var info = stat()
            guard lstat(path, &info) == 0 else {
                throw JobFailure(ErrorCode.noSuchFile, "the payload did not produce \(output.lfn)")
            }
            // A symlink could point at anything the pilot may read and the payload may not.
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw JobFailure(ErrorCode.noSuchFile, "output \(output.lfn) is not a regular file (a symlink or a directory)")
            }
            guard let target = target(for: output.lfn, scope: output.scope, destination: output.destination) else { continue }
            files.append(OutgoingFile(lfn: output.lfn, path: path, url: target.url, isLog: false,
                                      storage: target.storage, scope: target.scope))
        }
        return files
    }

    /// The tarball of payload stdout/stderr and the pilot's log, when it has somewhere to go.
    func logTarball(log: PilotLog, pilotLog: String) -> OutgoingFile? {
        guard let target = target(for: logName, scope: job.spec.log?.scope, destination: job.spec.log?.destination) else { return nil }
        let path = work + "/" + logName
        do {
            try LogTarball.write(to: path, folder: "panda.\(job.id).\(job.attempt)",
                                 files: [work + "/payload.stdout", work + "/payload.stderr", pilotLog])
        } catch {
            log.info("no log tarball for job \(job.id): \(error.diagnostic)")
            return nil
        }
        return OutgoingFile(lfn: logName, path: path, url: target.url, isLog: true, storage: target.storage, scope: target.scope)
    }

    /// Outputs were declared but no storage endpoint can take them.
    var missingDestination: JobFailure? {
        for output in job.spec.outputs where target(for: output.lfn, scope: output.scope, destination: output.destination) == nil {
            let name = output.destination ?? job.limits.defaultDestination
            return JobFailure(ErrorCode.stageOutFailed, name.map { "no writable storage endpoint \($0) for \(output.lfn)" }
                              ?? "the queue has no write_to storage for \(output.lfn)")
        }
        return nil
    }

    private func target(for lfn: String, scope: String?, destination: String?) -> (url: String, storage: String, scope: String)? {
        guard let name = destination ?? job.limits.defaultDestination, let base = job.limits.writeTo[name] else { return nil }
        let scope = scope ?? Self.defaultScope
        // Nil for a scope or name that would leave the endpoint: it is not stored.
        guard let url = try? StorageLocation.url(under: base, scope, lfn) else { return nil }
        return (url, name, scope)
    }
}
