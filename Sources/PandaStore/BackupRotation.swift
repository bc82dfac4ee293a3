import Foundation

/// Dated backups in one directory, as the `panda-db-backup.timer` takes
/// them: `panda db backup --into DIR --keep N` writes
/// `DIR/panda-20261207T020000Z.db` and then removes all but the newest N.
///
/// ```swift
/// let file = BackupRotation.file(in: "/var/backups/panda", at: Date())
/// let removed = try BackupRotation.prune(directory: "/var/backups/panda", keep: 14)
/// ```
/// Only names of exactly that shape are counted or removed, so nothing else
/// an operator keeps in the directory is ever touched.
public enum BackupRotation {
    /// The backup file for `date`, UTC to the second: names sort as times.
    public static func file(in directory: String, at date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return directory + "/panda-" + formatter.string(from: date) + ".db"
    }

    /// Whether `name` (a file name, no directory) is one `file(in:at:)` makes.
    public static func isBackupName(_ name: String) -> Bool {
        let shape = Array(name.utf8)
        guard shape.count == "panda-20261207T020000Z.db".utf8.count, name.hasPrefix("panda-"), name.hasSuffix("Z.db") else { return false }
        let stamp = shape[6..<21]
        return stamp.enumerated().allSatisfy { offset, byte in
            offset == 8 ? byte == UInt8(ascii: "T") : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }

    /// Creates `directory` (0700: backups hold every user's jobs) when it
    /// does not exist; refuses a path that is something else.
    public static func prepare(directory: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DatabaseMaintenance.MaintenanceError("\(directory) is not a directory") }
            return
        }
        guard mkdir(directory, 0o700) == 0 else {
            throw DatabaseMaintenance.MaintenanceError("cannot create \(directory): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the oldest backups in `directory` beyond the newest `keep`,
    /// and returns the paths it removed, oldest first.
    public static func prune(directory: String, keep: Int) throws -> [String] {
        precondition(keep >= 1, "keep at least the backup just taken")
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter(isBackupName).sorted()
        } catch {
            throw DatabaseMaintenance.MaintenanceError("cannot list \(directory): \(error.localizedDescription)")
        }
        var removed: [String] = []
        for name in names.dropLast(keep) {
            let path = directory + "/" + name
            guard unlink(path) == 0 else {
                throw DatabaseMaintenance.MaintenanceError("cannot remove \(path): \(String(cString: strerror(errno)))")
            }
            removed.append(path)
        }
        return removed
    }
}
