import Foundation
import Synchronization

/// The pilot's log: every line to stderr (the batch system keeps it), and
/// while a job runs, also to that job's `pilot.log`, which goes into the
/// job's log tarball so a user sees what the pilot did for their job.
///
/// ```swift
/// log.info("staged in 3 files")
/// ```
final class PilotLog: Sendable {
    private let jobFile = Mutex<FileHandle?>(nil)
    private let prefix: String

    init(prefix: String) {
        self.prefix = prefix
    }

    func info(_ message: String) {
        let line = "\(Self.timestamp()) \(prefix) \(message)\n"
        let data = Data(line.utf8)
        FileHandle.standardError.write(data)
        jobFile.withLock { $0?.write(data) }
    }

    /// Starts copying lines to `path` (a new file of the pilot's, 0600, in
    /// the job's own pilot directory); nil stops. One open: Foundation's
    /// createFile writes a temporary file and renames it.
    func follow(jobLog path: String?) {
        jobFile.withLock { file in
            try? file?.close()
            file = nil
            guard let path else { return }
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { return }
            file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        }
    }

    /// RFC 3339 in UTC with milliseconds, written digit by digit: the
    /// pilot logs a few lines per job, and `String(format:)` was a visible
    /// part of a trivial job's cost.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4); bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2); bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2); bytes.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2); bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2); bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2); bytes.append(UInt8(ascii: "."))
        digits(Int(now.tv_nsec / 1_000_000), 3); bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
