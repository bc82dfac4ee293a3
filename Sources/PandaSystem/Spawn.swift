import CProcessShim
import Foundation

/// Starts a child with posix_spawn: its own process group (so a timeout can
/// kill all of it), default handling of the signals the parent ignores, no
/// descriptor of the parent's, and stdio to files. Foundation's `Process`
/// is not used: its exit monitoring was seen to deadlock when many children
/// start and end at once (Swift 6.3 on Linux).
///
/// ```swift
/// let pid = try Spawn.start("/usr/bin/squeue", ["-h"], environment: env, stdin: "/dev/null", stdout: out, stderr: err)
/// ```
public enum Spawn {
    public struct Failure: Error, CustomStringConvertible {
        public let code: Int32
        public var message: String { String(cString: strerror(code)) }
        public var description: String { message }
    }

    /// With `truncate`, stdout and stderr start empty; otherwise they are
    /// appended to. With `searchPath`, a bare command name is looked up in
    /// PATH (posix_spawnp).
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String],
                             stdin: String, stdout: String, stderr: String, directory: String? = nil,
                             truncate: Bool = false, searchPath: Bool = false) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        let mode = O_WRONLY | O_CREAT | (truncate ? O_TRUNC : O_APPEND)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, mode, 0o644)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, mode, 0o644)
        }
        panda_spawn_add_closefrom(&actions, 3)
        if let directory { panda_spawn_add_chdir(&actions, directory) }
        posix_spawnattr_setpgroup(&attributes, 0)
        // Default dispositions and an empty mask: parents that catch signals
        // through dispatch sources ignore them, and children would inherit that.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGUSR1, SIGXCPU, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = searchPath ? posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
                                : posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw Failure(code: result) }
        return pid
    }

    /// The exit code, or 128 + the signal, from a waitpid status.
    public static func exitCode(_ status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
