import Foundation
import PandaConfig
import PandaCore
import PandaStore

/// A PanDA pilot 3 updateJob, read into panda's `JobUpdate`: its states
/// are panda's, its error fields become the job's error record, and its
/// `xml` field (JSON, despite the name: `{lfn: {guid, fsize, adler32, surl,
/// endpoint}}`) the stored outputs and log of a final report.
///
/// ```swift
/// let report = try LegacyJobReport(fields)
/// let update = try report.update(lease: lease, spec: spec, configuration: configuration)
/// ```
struct LegacyJobReport {
    let jobID: Int64
    let attempt: Int
    let state: JobState
    let fields: LegacyFields

    init(_ fields: LegacyFields) throws(LegacyError) {
        guard let id = fields.string("jobId").flatMap({ Int64($0) }), id > 0 else {
            throw LegacyError(.badRequest, "updateJob needs jobId, a panda job id")
        }
        // pilot3 sends 0 when the job came without attemptNr.
        let attempt = fields.int("attemptNr") ?? 0
        guard let text = fields.string("state") else { throw LegacyError(.badRequest, "updateJob needs state") }
        guard let state = Self.states[text] else {
            throw LegacyError(.badRequest, "state \(text) is not one panda takes from pilot3 (\(Self.states.keys.sorted().joined(separator: ", ")))")
        }
        self.jobID = id
        self.attempt = attempt
        self.state = state
        self.fields = fields
    }

    /// pilot3's states that panda's state table has, under the same names.
    static let states: [String: JobState] = [
        "starting": .starting, "running": .running, "holding": .holding, "finished": .finished, "failed": .failed,
    ]

    /// The report as panda's update under `lease`; `spec` says which files
    /// the job may report, `writeTo` (its queue's) where those without a
    /// destination of their own went.
    func update(lease: String, spec: JobSpec, writeTo: String?, configuration: PandaConfiguration) throws(LegacyError) -> JobUpdate {
        let pilotError = fields.int("pilotErrorCode").flatMap { $0 == 0 ? nil : $0 }
        let payloadError = fields.int("exeErrorCode").flatMap { $0 == 0 ? nil : $0 }
        let diagnostic = [fields.string("pilotErrorDiag"), fields.string("exeErrorDiag")].compactMap { $0 }.first
        let files = try outputs(spec: spec, writeTo: writeTo, configuration: configuration)
        return JobUpdate(
            jobID: jobID, attempt: attempt, lease: lease, state: state,
            exitCode: fields.int("transExitCode"),
            errorCode: state == .failed ? (pilotError ?? payloadError) : nil,
            errorDiag: state == .failed ? diagnostic.map { String($0.prefix(2048)) } : nil,
            cpuSeconds: fields.double("cpuConsumptionTime"),
            // pilot3's memory monitor reports kB.
            maxRSS: fields.int("maxRSS").map { ByteCount(bytes: Int64($0) * 1024) },
            outputs: files,
            timings: timings)
    }

    /// `pilotTiming`: getjob|stagein|payload|stageout|initial_setup|setup, in seconds.
    var timings: StepTimings? {
        guard let text = fields.string("pilotTiming") else { return nil }
        let parts = text.split(separator: "|", omittingEmptySubsequences: false).map { Double($0) ?? 0 }
        guard parts.count >= 4 else { return nil }
        let setup = parts[0] + (parts.count > 4 ? parts[4] : 0) + (parts.count > 5 ? parts[5] : 0)
        return StepTimings(setup: setup, stageIn: parts[1], payload: parts[2], stageOut: parts[3])
    }

    /// The files of `xml`: only the job's own outputs and log, each at the
    /// storage endpoint it was sent to and under that endpoint's URL.
    func outputs(spec: JobSpec, writeTo: String?, configuration: PandaConfiguration) throws(LegacyError) -> [StoredFile]? {
        guard let xml = fields.string("xml"), xml != "{}" else { return nil }
        let entries: [String: LegacyFileInfo]
        do {
            entries = try JSONDecoder().decode([String: LegacyFileInfo].self, from: Data(xml.utf8))
        } catch {
            throw LegacyError(.badRequest, "xml is not pilot3's file report {lfn: {guid, fsize, adler32, surl, endpoint}}: \(error)")
        }
        let logName = LegacyJobDictionary.logName(of: spec, id: jobID, attempt: attempt)
        var files: [StoredFile] = []
        for (lfn, info) in entries.sorted(by: { $0.key < $1.key }) {
            let declared = spec.outputs.first { $0.lfn == lfn }
            let isLog = lfn == logName
            guard declared != nil || isLog else {
                throw LegacyError(.badRequest, "xml reports \(lfn), which is not an output or the log of job \(jobID)")
            }
            // The endpoint getJob sent it to (ddmEndPointOut); pilot3 3.7 does not repeat it, later ones do.
            let sentTo = (isLog ? spec.log?.destination : declared?.destination) ?? writeTo
            guard let name = sentTo, info.endpoint == nil || info.endpoint == name, let endpoint = configuration.storage(named: name) else {
                throw LegacyError(.badRequest, "xml reports \(lfn) at storage endpoint \(info.endpoint ?? "none"), not \(sentTo ?? "a storage endpoint of its queue")")
            }
            guard info.fsize >= 0 else { throw LegacyError(.badRequest, "xml reports \(lfn) with a negative size") }
            let url = Self.pandaURL(info.surl)
            guard url.hasPrefix(endpoint.url.string + "/") else {
                throw LegacyError(.badRequest, "xml reports \(lfn) at \(info.surl), which is not under \(endpoint.name) (\(endpoint.url.string))")
            }
            guard let adler = info.adler32, adler.count == 8, adler.allSatisfy(\.isHexDigit) else {
                throw LegacyError(.badRequest, "xml reports \(lfn) without an adler32 of 8 hex digits")
            }
            let scope = isLog ? (spec.log?.scope ?? LegacyJobDictionary.defaultScope) : (declared?.scope ?? LegacyJobDictionary.defaultScope)
            files.append(StoredFile(lfn: lfn, size: info.fsize, checksum: "ad:" + adler.lowercased(), url: url, isLog: isLog,
                                    storage: endpoint.name, scope: scope))
        }
        return files
    }

    /// pilot3's mv names local files `file://localhost/PATH`; panda's
    /// storage URLs are `file:///PATH`.
    static func pandaURL(_ surl: String) -> String {
        surl.hasPrefix("file://localhost/") ? "file:///" + surl.dropFirst("file://localhost/".count) : surl
    }
}

/// One entry of pilot3's `xml` file report.
struct LegacyFileInfo: Decodable {
    let guid: String?
    let fsize: Int64
    let adler32: String?
    let surl: String
    /// Absent from pilot3 3.7's reports.
    let endpoint: String?

    enum CodingKeys: String, CodingKey { case guid, fsize, adler32, surl, endpoint }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guid = try c.decodeIfPresent(String.self, forKey: .guid)
        // pilot3 writes fsize as a number or a string, depending on the path the file took.
        if let size = try? c.decode(Int64.self, forKey: .fsize) {
            fsize = size
        } else if let text = try? c.decode(String.self, forKey: .fsize), let size = Int64(text) {
            fsize = size
        } else {
            throw DecodingError.dataCorruptedError(forKey: .fsize, in: c, debugDescription: "fsize is not a size")
        }
        adler32 = try c.decodeIfPresent(String.self, forKey: .adler32)
        surl = try c.decode(String.self, forKey: .surl)
        endpoint = try c.decodeIfPresent(String.self, forKey: .endpoint)
    }
}
