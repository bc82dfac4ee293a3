import Foundation

/// A directory only the pilot's user may use: the state directory holding
/// the recovery area and the outbox of final reports. Made with mode 0700;
/// an existing one must belong to this user and be closed to others, and
/// every entry read from it must belong to this user and not be a symlink,
/// so another local user cannot plant what the pilot will act on.
///
/// ```swift
/// try PrivateDirectory.ensure("/var/lib/panda-pilot/recovery/LOCAL")
/// PrivateDirectory.isOwned("/var/lib/panda-pilot/recovery/LOCAL/7.1", type: S_IFDIR)
/// ```
enum PrivateDirectory {
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// Creates each missing component of `path` with mode 0700, then checks
    /// the last one (see `check`).
    static func ensure(_ path: String) throws(Refusal) {
        var built = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            built += "/" + component
            if mkdir(built, 0o700) != 0 && errno != EEXIST {
                throw Refusal(description: "cannot create \(built): \(String(cString: strerror(errno)))")
            }
        }
        try check(path)
    }

    /// A directory, not a symlink, of this user, with no access for group or others.
    static func check(_ path: String) throws(Refusal) {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw Refusal(description: "cannot use \(path): \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw Refusal(description: "\(path) is not a directory (a symlink?)") }
        guard info.st_uid == geteuid() else {
            throw Refusal(description: "\(path) belongs to uid \(info.st_uid), not to the pilot's user (uid \(geteuid()))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw Refusal(description: "\(path) has mode \(String(info.st_mode & 0o777, radix: 8)); it must be 0700 (chmod 700 \(path))")
        }
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
