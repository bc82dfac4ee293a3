import Foundation
import PandaSystem

/// Another process that takes SQLite's write lock on a database and holds
/// it, as a stuck writer would: python3's sqlite3, BEGIN EXCLUSIVE.
///
/// ```swift
/// let locker = try SQLiteLocker.hold("/tmp/panda.db", for: 6)   // returns once the lock is held
/// locker.wait()                                                  // the lock is released at its end
/// ```
public enum SQLiteLocker {
    public static func hold(_ database: String, for seconds: Double) throws -> ChildProcess {
        let output = NSTemporaryDirectory() + "panda-locker-\(UUID().uuidString)"
        defer { unlink(output) }
        let locker = try ChildProcess.spawn("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=600)
            db.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            time.sleep(float(sys.argv[2]))
            db.execute("ROLLBACK")
            """, database, String(seconds)], environment: ["PATH": "/usr/bin:/bin"], stdout: output)
        // Until it holds the lock, however long a loaded machine takes to
        // start python and get it; a locker that ended without it is an error.
        let deadline = Date().addingTimeInterval(600)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: output, encoding: .utf8), text.contains("locked") { return locker }
            guard locker.isRunning else { break }
            usleep(20_000)
        }
        locker.kill9()
        throw SQLiteLockerError(description: "python3 did not take the write lock of \(database): \((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
    }
}

/// The locker could not take the lock.
public struct SQLiteLockerError: Error, CustomStringConvertible {
    public let description: String
}
