import CSystemd
import Foundation
import Logging

/// A swift-log handler that writes to the systemd journal with structured
/// fields, so `journalctl PANDA_JOB_ID=42` finds everything about a job.
///
/// ```swift
/// LoggingSystem.bootstrap { label in JournalLogHandler(label: label, role: "server") }
/// logger.info("dispatched", metadata: ["job_id": "42", "queue": "BNL_PROD"])
/// ```
/// Metadata keys become fields `PANDA_<KEY>` (upper case); the role is
/// `PANDA_ROLE`. If the journal refuses a record the line goes to stderr, which
/// journald also collects, so nothing is lost.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public let label: String
    public let role: String

    public init(label: String, role: String) {
        self.label = label
        self.role = role
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = JournalFields.make(
            message: event.message.description, level: event.level, role: role, label: label,
            metadata: merged, file: event.file, line: event.line, function: event.function)
        if !Self.send(fields) {
            FileHandle.standardError.write(Data("\(event.level) \(label): \(event.message)\n".utf8))
        }
    }

    /// Hands the fields to `sd_journal_sendv` as one iovec each.
    static func send(_ fields: [String]) -> Bool {
        let buffers = fields.map { Array($0.utf8) }
        return buffers.withUnsafeIOVectors { vectors in
            sd_journal_sendv(vectors.baseAddress, Int32(vectors.count)) >= 0
        }
    }
}

/// The `FIELD=value` strings of one journal record.
enum JournalFields {
    static func make(message: String, level: Logger.Level, role: String, label: String,
                     metadata: Logger.Metadata, file: String, line: UInt, function: String) -> [String] {
        var fields = [
            "MESSAGE=\(message)",
            "PRIORITY=\(priority(of: level))",
            "SYSLOG_IDENTIFIER=panda",
            "PANDA_ROLE=\(role)",
            "PANDA_LOGGER=\(label)",
            "CODE_FILE=\(file)",
            "CODE_LINE=\(line)",
            "CODE_FUNC=\(function)",
        ]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            fields.append("\(fieldName(for: key))=\(value)")
        }
        return fields
    }

    /// syslog priorities: 2 critical … 7 debug.
    static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// `job_id` → `PANDA_JOB_ID`. Journal field names allow only upper-case
    /// letters, digits and underscores. A key that already says `panda.` or
    /// `panda_` is not prefixed twice (`panda.queue` → `PANDA_QUEUE`).
    static func fieldName(for key: String) -> String {
        var cleaned = String(key.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        while cleaned.hasPrefix("PANDA_") { cleaned.removeFirst("PANDA_".count) }
        return "PANDA_" + cleaned
    }
}

extension Array where Element == [UInt8] {
    /// Calls `body` with an iovec for each buffer, valid for the call only.
    func withUnsafeIOVectors<R>(_ body: (UnsafeBufferPointer<iovec>) -> R) -> R {
        var vectors: [iovec] = []
        vectors.reserveCapacity(count)
        return withPointers(index: 0, vectors: &vectors, body)
    }

    private func withPointers<R>(index: Int, vectors: inout [iovec], _ body: (UnsafeBufferPointer<iovec>) -> R) -> R {
        guard index < count else { return vectors.withUnsafeBufferPointer(body) }
        return self[index].withUnsafeBytes { bytes in
            vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count))
            return withPointers(index: index + 1, vectors: &vectors, body)
        }
    }
}
