import Foundation

/// A directory only the pilot's user may use: the state directory holding
/// the recovery area and the outbox of final reports. Made with mode 0700;
/// an existing one must be a directory (not a symlink) of this user, and
/// every entry read from it must belong to this user and not be a symlink,
/// so another local user cannot plant what the pilot will act on.
///
/// A directory of this user that is open to group or others (made by a
/// payload of the pilot's own user before the pilot did, say) is closed
/// again (0700) rather than refused: refusing it would only lose the outputs
/// meant for it, and what it holds is checked entry by entry anyway. The
/// check and the repair are made on one descriptor opened without following
/// symlinks, so the directory checked is the directory repaired.
///
/// ```swift
/// try PrivateDirectory.ensure("/var/lib/panda-pilot/recovery/LOCAL")
/// PrivateDirectory.isOwned("/var/lib/panda-pilot/recovery/LOCAL/7.1", type: S_IFDIR)
/// ```
enum PrivateDirectory {
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// Creates each missing component of `path` with mode 0700, then
    /// secures the last one (see `secure`); returns what `secure` repaired.
    @discardableResult
    static func ensure(_ path: String) throws(Refusal) -> String? {
        var built = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            built += "/" + component
            if mkdir(built, 0o700) != 0 && errno != EEXIST {
                throw Refusal(description: "cannot create \(built): \(String(cString: strerror(errno)))")
            }
        }
        return try secure(path)
    }

    /// A directory, not a symlink, of this user, with no access for group
    /// or others; one of this user's that is open to them is set to 0700.
    /// Returns a note saying what was repaired, nil when nothing was.
    @discardableResult
    static func secure(_ path: String) throws(Refusal) -> String? {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ELOOP || code == ENOTDIR { throw Refusal(description: "\(path) is not a directory (a symlink?)") }
            throw Refusal(description: "cannot use \(path): \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Refusal(description: "cannot use \(path): \(String(cString: strerror(errno)))") }
        guard info.st_uid == geteuid() else {
            throw Refusal(description: "\(path) belongs to uid \(info.st_uid), not to the pilot's user (uid \(geteuid()))")
        }
        let mode = info.st_mode & 0o7777
        guard mode & 0o077 != 0 || mode & 0o700 != 0o700 else { return nil }
        guard fchmod(descriptor, 0o700) == 0 else {
            throw Refusal(description: "\(path) has mode \(String(mode, radix: 8)) and cannot be set to 0700: \(String(cString: strerror(errno)))")
        }
        return "\(path) had mode \(String(mode, radix: 8)); set to 0700"
    }

    /// Whether `path` is of `type` (S_IFDIR, S_IFREG), not a symlink, and this user's.
    static func isOwned(_ path: String, type: mode_t) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == type && info.st_uid == geteuid()
    }

    /// Writes `data` to `path` atomically (a temporary file renamed over it), mode 0600.
    /// With `synced` false the data is left to the kernel to write back: it
    /// survives the pilot being killed, not the node crashing, until `sync(_:)`.
    static func write(_ data: Data, to path: String, synced wanted: Bool = true) throws(Refusal) {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Refusal(description: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let synced = !wanted || fsync(descriptor) == 0
        close(descriptor)
        guard written == data.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Refusal(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Forces a file written with `synced: false` to disk; false if it cannot.
    @discardableResult
    static func sync(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return fsync(descriptor) == 0
    }
}
