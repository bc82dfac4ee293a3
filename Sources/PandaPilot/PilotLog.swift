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

    /// Starts copying lines to `path`; nil stops.
    func follow(jobLog path: String?) {
        jobFile.withLock { file in
            try? file?.close()
            file = nil
            guard let path, FileManager.default.createFile(atPath: path, contents: nil) else { return }
            file = FileHandle(forWritingAtPath: path)
        }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, now.tv_nsec / 1_000_000)
    }
}
