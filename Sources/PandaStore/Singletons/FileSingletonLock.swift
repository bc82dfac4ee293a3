import Foundation
import Synchronization

/// The singletons of a SQLite store: an `flock` on `<database>.lock`, held
/// from the first `hold` until `releaseAll` or the process's end (the kernel
/// drops it on exit, `kill -9` included).
///
/// ```swift
/// let lock = FileSingletonLock(path: "/var/lib/panda/panda.db.lock")
/// await lock.hold(.sweeper)          // true for the first server on this file
/// ```
/// One server per SQLite file is the supported setup, where it is simply
/// held; the lock makes a second server started on the same file by mistake
/// serve requests without sweeping, and lets `panda db copy` tell that a
/// server is using the file: it takes the same lock for the whole copy.
public final class FileSingletonLock: SingletonLock {
    public let path: String
    private let descriptor = Mutex<Int32?>(nil)

    public init(path: String) {
        self.path = path
    }

    /// The lock file beside a SQLite database.
    public static func path(forDatabase database: String) -> String {
        database + ".lock"
    }

    public func hold(_ name: SingletonName) async -> Bool {
        descriptor.withLock { held in
            if held != nil { return true }
            held = Self.take(path)
            return held != nil
        }
    }

    public func releaseAll() async {
        descriptor.withLock { held in
            if let fd = held { close(fd) }   // closing the only descriptor releases the flock
            held = nil
        }
    }

    /// Opens (creating, 0600) and locks the file: the descriptor, or nil when
    /// another process holds it or the file cannot be opened.
    private static func take(_ path: String) -> Int32? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }
}
