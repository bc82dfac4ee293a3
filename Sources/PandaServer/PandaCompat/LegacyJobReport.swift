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
    /// The figures of the report, each parsed and bounded once, before the
    /// store is asked anything: a value out of range is the report's 400.
    let exitCode: Int?
    let pilotError: Int?
    let payloadError: Int?
    let cpuSeconds: Double?
    let maxRSS: ByteCount?
    let timings: StepTimings?

    /// Attempts panda makes of one job; pilot3 echoes the one getJob gave it.
    static let attempts: ClosedRange<Int64> = 0...1_000_000

    init(_ fields: LegacyFields) throws(LegacyError) {
        guard let id = fields.string("jobId").flatMap({ Int64($0) }), id > 0 else {
            throw LegacyError(.badRequest, "updateJob needs jobId, a panda job id")
        }
        // pilot3 sends 0 when the job came without attemptNr.
        let attempt = try fields.integer("attemptNr", in: Self.attempts) ?? 0
        guard let text = fields.string("state") else { throw LegacyError(.badRequest, "updateJob needs state") }
        guard let state = Self.states[text] else {
            throw LegacyError(.badRequest, "state \(PathName.quoted(text)) is not one panda takes from pilot3 (\(Self.states.keys.sorted().joined(separator: ", ")))")
        }
        self.jobID = id
        self.attempt = Int(attempt)
        self.state = state
        self.fields = fields
        exitCode = try fields.integer("transExitCode", in: LegacyFields.codes).map { Int($0) }
        pilotError = try fields.integer("pilotErrorCode", in: LegacyFields.codes).flatMap { $0 == 0 ? nil : Int($0) }
        payloadError = try fields.integer("exeErrorCode", in: LegacyFields.codes).flatMap { $0 == 0 ? nil : Int($0) }
        cpuSeconds = try fields.number("cpuConsumptionTime", in: 0...LegacyFields.maxSeconds)
        // pilot3's memory monitor reports kB; the bound keeps the product in range.
        maxRSS = try fields.integer("maxRSS", in: 0...LegacyFields.maxKilobytes).map { ByteCount(bytes: $0 * 1024) }
        timings = try Self.timings(fields.string("pilotTiming"))
    }

    /// pilot3's states that panda's state table has, under the same names.
    static let states: [String: JobState] = [
        "starting": .starting, "running": .running, "holding": .holding, "finished": .finished, "failed": .failed,
    ]

    /// The report as panda's update under `lease`; `spec` says which files
    /// the job may report, `writeTo` (its queue's) where those without a
    /// destination of their own went.
    func update(lease: String, spec: JobSpec, writeTo: String?, configuration: PandaConfiguration) throws(LegacyError) -> JobUpdate {
        let diagnostic = [fields.string("pilotErrorDiag"), fields.string("exeErrorDiag")].compactMap { $0 }.first
        let files = try outputs(spec: spec, writeTo: writeTo, configuration: configuration)
        return JobUpdate(
            jobID: jobID, attempt: attempt, lease: lease, state: state,
            exitCode: exitCode,
            errorCode: state == .failed ? (pilotError ?? payloadError) : nil,
            errorDiag: state == .failed ? diagnostic.map { String($0.prefix(2048)) } : nil,
            cpuSeconds: cpuSeconds,
            maxRSS: maxRSS,
            outputs: files,
            timings: timings)
    }

    /// `pilotTiming`: getjob|stagein|payload|stageout|initial_setup|setup, in
    /// seconds; an empty step is 0. Nil when absent or with fewer than four
    /// steps; 400 when a step is not a number of seconds in range.
    static func timings(_ text: String?) throws(LegacyError) -> StepTimings? {
        guard let text else { return nil }
        // Only the six steps pilot3 sends are read, however many bars follow.
        let steps = text.split(separator: "|", maxSplits: 6, omittingEmptySubsequences: false).prefix(6)
        guard steps.count >= 4 else { return nil }
        var seconds: [Double] = []
        for (index, step) in steps.enumerated() {
            let trimmed = step.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                seconds.append(0)
            } else {
                seconds.append(try LegacyFields.number(trimmed, named: "pilotTiming step \(index + 1)", in: 0...LegacyFields.maxSeconds))
            }
        }
        let setup = seconds[0] + (seconds.count > 4 ? seconds[4] : 0) + (seconds.count > 5 ? seconds[5] : 0)
        return StepTimings(setup: setup, stageIn: seconds[1], payload: seconds[2], stageOut: seconds[3])
    }

    /// The files of `xml`: only the job's own outputs and log, each at the
    /// storage endpoint it was sent to and under that endpoint's URL.
    func outputs(spec: JobSpec, writeTo: String?, configuration: PandaConfiguration) throws(LegacyError) -> [StoredFile]? {
        guard let xml = fields.string("xml"), xml != "{}" else { return nil }
        let shape = "xml is not pilot3's file report {lfn: {guid, fsize, adler32, surl, endpoint}}"
        // Two levels, each key once, as every JSON the server reads is checked.
        if let problem = JSONShapeCheck(maxDepth: 2).problem(in: Data(xml.utf8)) {
            throw LegacyError(.badRequest, "\(shape): \(problem)")
        }
        let entries: [String: LegacyFileInfo]
        do {
            entries = try JSONDecoder().decode([String: LegacyFileInfo].self, from: Data(xml.utf8))
        } catch let error as DecodingError {
            // The decoder's own text names Swift types and internals; the explanation names the field.
            throw LegacyError(.badRequest, "\(shape): \(JSONBody.explain(error))")
        } catch {
            throw LegacyError(.badRequest, shape)
        }
        let logName = LegacyJobDictionary.logName(of: spec, id: jobID, attempt: attempt)
        var files: [StoredFile] = []
        for (lfn, info) in entries.sorted(by: { $0.key < $1.key }) {
            let declared = spec.outputs.first { $0.lfn == lfn }
            let isLog = lfn == logName
            guard declared != nil || isLog else {
                throw LegacyError(.badRequest, "xml reports \(PathName.quoted(lfn)), which is not an output or the log of job \(jobID)")
            }
            // The endpoint getJob sent it to (ddmEndPointOut); pilot3 3.7 does not repeat it, later ones do.
            let sentTo = (isLog ? spec.log?.destination : declared?.destination) ?? writeTo
            guard let name = sentTo, info.endpoint == nil || info.endpoint == name, let endpoint = configuration.storage(named: name) else {
                throw LegacyError(.badRequest, "xml reports \(lfn) at storage endpoint \(PathName.quoted(info.endpoint ?? "none")), not \(sentTo ?? "a storage endpoint of its queue")")
            }
            guard (0...Self.maxFileBytes).contains(info.fsize) else {
                throw LegacyError(.badRequest, "xml reports \(lfn) with fsize \(info.fsize); a size is 0 to \(Self.maxFileBytes) bytes")
            }
            let url = Self.pandaURL(info.surl)
            // The storage-path check every route uses: percent-escapes decoded,
            // `.` and `..` segments refused, compared segment by segment.
            guard StoragePath.isUnder(url, base: endpoint.url.string) else {
                throw LegacyError(.badRequest, "xml reports \(lfn) at \(PathName.quoted(info.surl)), which is not under \(endpoint.name) (\(endpoint.url.string))")
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

    /// A file's size, at most: 1 PiB, far beyond any one file, and small
    /// enough that sums over a dataset's files cannot overflow.
    static let maxFileBytes: Int64 = 1 << 50

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
