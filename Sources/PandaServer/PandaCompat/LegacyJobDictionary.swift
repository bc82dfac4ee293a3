import Crypto
import Foundation
import PandaConfig
import PandaCore
import PandaStore

/// A panda job as the PanDA pilot 3 reads it from getJob: one flat
/// dictionary whose file lists are comma-separated strings, positionally
/// aligned (pilot3's `info/jobdata.py`). Outputs and the log share
/// `outFiles`; `logFile` says which entry is the log.
///
/// ```swift
/// let fields = LegacyJobDictionary(job: claimed, spec: spec, queue: queue, label: "managed").fields
/// ```
struct LegacyJobDictionary {
    let job: ClaimedJob
    let spec: JobSpec
    let queue: QueueConfig
    /// The prodSourceLabel the pilot asked with, echoed.
    let label: String

    /// The scope of an output that names none: the one panda's own pilot uses.
    static let defaultScope = "panda"

    /// The log's name when the job names none, as panda's own pilot names it.
    static func logName(of spec: JobSpec, id: Int64, attempt: Int) -> String {
        spec.log?.lfn ?? "panda.\(id).\(attempt).log.tgz"
    }

    var fields: [String: Any] {
        var fields: [String: Any] = [
            "StatusCode": LegacyReply.StatusCode.success.rawValue,
            "PandaID": String(job.id),
            "attemptNr": job.attempt,
            "jobName": spec.name ?? "panda-\(job.id)",
            "taskID": spec.taskID.map(String.init) ?? "NULL",
            "jobsetID": "NULL",
            "prodSourceLabel": label,
            "transformation": spec.payload.executable,
            "jobPars": spec.payload.arguments.map(Self.shellWord).joined(separator: " "),
            "coreCount": String(job.cores),
            "minRamCount": String(job.memory.bytes / 1_048_576),
            "maxDiskCount": String(job.disk.bytes / 1_048_576),
            "maxWalltime": String(job.walltime.milliseconds / 1000),
            "maxCpuCount": String(job.walltime.milliseconds / 1000 * Int64(job.cores)),
            "currentPriority": String(spec.priority),
        ]
        let inputs = spec.inputs
        if !inputs.isEmpty {
            fields["inFiles"] = inputs.map(\.lfn).joined(separator: ",")
            fields["scopeIn"] = inputs.map { $0.scope ?? Self.defaultScope }.joined(separator: ",")
            fields["fsize"] = inputs.map { $0.size.map(String.init) ?? "0" }.joined(separator: ",")
            fields["checksum"] = inputs.map { Self.checksum($0.checksum) }.joined(separator: ",")
            fields["GUID"] = inputs.map { Self.guid($0.scope ?? Self.defaultScope, $0.lfn) }.joined(separator: ",")
            fields["ddmEndPointIn"] = inputs.map(readEndpoint).joined(separator: ",")
            fields["realDatasetsIn"] = inputs.map { _ in "NULL" }.joined(separator: ",")
        }
        let logName = Self.logName(of: spec, id: job.id, attempt: job.attempt)
        let outputs = spec.outputs.map { ($0.lfn, $0.scope ?? Self.defaultScope, $0.destination ?? queue.writeTo ?? "") }
        let log = (logName, spec.log?.scope ?? Self.defaultScope, spec.log?.destination ?? queue.writeTo ?? "")
        let files = outputs + [log]
        fields["outFiles"] = files.map(\.0).joined(separator: ",")
        fields["scopeOut"] = outputs.map(\.1).joined(separator: ",")
        fields["scopeLog"] = log.1
        fields["logFile"] = logName
        fields["logGUID"] = Self.guid("\(job.id).\(job.attempt)", logName)
        fields["ddmEndPointOut"] = files.map(\.2).joined(separator: ",")
        fields["destinationSE"] = files.map(\.2).joined(separator: ",")
        fields["fileDestinationSE"] = files.map(\.2).joined(separator: ",")
        let dataset = spec.outputDataset ?? "NULL"
        fields["realDatasets"] = files.map { _ in dataset }.joined(separator: ",")
        fields["destinationDblock"] = files.map { _ in dataset }.joined(separator: ",")
        return fields
    }

    /// The storage a replica is read from: the queue's nearest that holds one.
    private func readEndpoint(_ input: InputFile) -> String {
        for name in queue.readFrom where input.replicas.contains(where: { $0.storage == name }) { return name }
        return input.replicas.first?.storage ?? "NULL"
    }

    /// pilot3 reads `ad:` as adler32 and `md:` as md5 (`info/filespec.py`).
    static func checksum(_ text: String?) -> String {
        guard let text else { return "NULL" }
        if text.hasPrefix("md5:") { return "md:" + text.dropFirst(4) }
        return text
    }

    /// A stable GUID for a file that has none: panda's catalogue names files
    /// by scope and lfn, and pilot3 only echoes GUIDs back.
    static func guid(_ scope: String, _ lfn: String) -> String {
        let hex = Insecure.MD5.hash(data: Data("\(scope):\(lfn)".utf8)).map { String(format: "%02X", $0) }.joined()
        let c = Array(hex)
        return [String(c[0..<8]), String(c[8..<12]), String(c[12..<16]), String(c[16..<20]), String(c[20..<32])].joined(separator: "-")
    }

    /// pilot3 runs `./TRANSFORMATION JOBPARS` through a shell: each argument
    /// is quoted so that it arrives as one word.
    static func shellWord(_ word: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !word.isEmpty, word.unicodeScalars.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
