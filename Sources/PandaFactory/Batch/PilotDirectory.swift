import Foundation

/// Removes a pilot's spool directory when the factory forgets the pilot,
/// also when a `batch.user` pilot owns it and what it left inside.
///
/// ```swift
/// PilotDirectory.remove(record.directory)
/// ```
/// The factory cannot empty a directory another user owns, so each one on
/// the way down is first taken back (`fchownat` to the factory's ids, which
/// CAP_CHOWN allows, as it allowed the hand-over). The walk goes by
/// descriptor, one name at a time, with `AT_SYMLINK_NOFOLLOW`/`O_NOFOLLOW`:
/// a link is removed, never followed, so whatever a payload left or swapped
/// in cannot point the factory at anyone else's files.
enum PilotDirectory {
    /// Deeper than any pilot's work area; a deeper tree is left in place.
    static let maxDepth = 32

    static func remove(_ path: String) {
        let parent = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        guard !parent.isEmpty, !name.isEmpty, name != ".", name != ".." else { return }
        let parentDescriptor = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parentDescriptor >= 0 else { return }
        defer { close(parentDescriptor) }
        removeEntry(name, in: parentDescriptor, depth: 0)
    }

    /// Removes `name` in the directory `directory`: a file or link at once,
    /// a directory after taking it back and emptying it.
    private static func removeEntry(_ name: String, in directory: Int32, depth: Int) {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            unlinkat(directory, name, 0)
            return
        }
        guard depth < maxDepth else { return }
        if info.st_uid != geteuid() && fchownat(directory, name, geteuid(), getegid(), AT_SYMLINK_NOFOLLOW) != 0 { return }
        let descriptor = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        for entry in names(in: descriptor) { removeEntry(entry, in: descriptor, depth: depth + 1) }
        close(descriptor)
        unlinkat(directory, name, AT_REMOVEDIR)
    }

    /// The entries of an open directory, without `.` and `..`.
    private static func names(in descriptor: Int32) -> [String] {
        // fdopendir takes its own descriptor: closedir must not close ours.
        let copy = dup(descriptor)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            return []
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
