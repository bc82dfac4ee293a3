import Foundation
import PandaCore
import PandaSystem

/// Hands a job's work directory to the payload user before the payload
/// starts and takes it back (before stage-out) once nothing of the payload
/// runs: every entry chowned, symlinks themselves (never what they point
/// at), directories entered by descriptor with O_NOFOLLOW so a planted link
/// cannot lead the walk elsewhere. Needs CAP_CHOWN (root has it).
///
/// ```swift
/// try WorkDirectoryHandover.give(work, to: identity)
/// ... payload runs ...
/// try WorkDirectoryHandover.takeBack(work)
/// ```
enum WorkDirectoryHandover {
    /// Deeper trees than this are not walked (and fail the job).
    static let maxDepth = 256

    static func give(_ directory: String, to user: Spawn.Identity) throws(JobFailure) {
        try chown(directory, uid: user.uid, gid: user.gid, what: "hand the work directory to \(user)")
    }

    static func takeBack(_ directory: String) throws(JobFailure) {
        try chown(directory, uid: geteuid(), gid: getegid(), what: "take the work directory back from the payload user")
    }

    private static func chown(_ directory: String, uid: uid_t, gid: gid_t, what: String) throws(JobFailure) {
        let top = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard top >= 0, fchown(top, uid, gid) == 0 else {
            let code = errno
            if top >= 0 { close(top) }
            throw JobFailure(ErrorCode.generalError, "cannot \(what): \(directory): \(String(cString: strerror(code)))")
        }
        if let problem = walk(top, uid: uid, gid: gid, depth: 0, path: directory) {
            throw JobFailure(ErrorCode.generalError, "cannot \(what): \(problem)")
        }
    }

    /// Chowns every entry under the open directory `descriptor` (closed here).
    private static func walk(_ descriptor: Int32, uid: uid_t, gid: gid_t, depth: Int, path: String) -> String? {
        guard depth < maxDepth else { close(descriptor); return "\(path): deeper than \(maxDepth) levels" }
        guard let stream = fdopendir(descriptor) else { close(descriptor); return "\(path): \(String(cString: strerror(errno)))" }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            guard fchownat(descriptor, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0 else {
                return "\(path)/\(name): \(String(cString: strerror(errno)))"
            }
            var info = stat()
            guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            guard info.st_mode & S_IFMT == S_IFDIR else { continue }
            let child = openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else { return "\(path)/\(name): \(String(cString: strerror(errno)))" }
            if let problem = walk(child, uid: uid, gid: gid, depth: depth + 1, path: path + "/" + name) { return problem }
        }
        return nil
    }
}
