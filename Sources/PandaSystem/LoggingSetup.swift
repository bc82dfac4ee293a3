import Foundation
import Logging

/// Chooses where a role's logs go: the journal with structured fields when
/// systemd connected stderr to it, readable text on stderr otherwise.
///
/// ```swift
/// LoggingSetup.bootstrap(role: "server", level: .info)
/// let log = Logger(label: "panda.server")
/// ```
public enum LoggingSetup {
    public static func bootstrap(role: String, level: Logger.Level = .info) {
        let journal = stderrIsJournal()
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = journal
                ? JournalLogHandler(label: label, role: role)
                : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// systemd sets `JOURNAL_STREAM=DEVICE:INODE` for a service whose stderr
    /// is the journal; the variable is inherited by children whose stderr may
    /// be elsewhere, so it counts only when it matches stderr itself.
    public static func stderrIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}
