import CProcessShim
import Foundation

/// Starts a child with posix_spawn: its own process group (so a timeout can
/// kill all of it), default handling of the signals the parent ignores, no
/// descriptor of the parent's, and stdio to files. Foundation's `Process`
/// is not used: its exit monitoring was seen to deadlock when many children
/// start and end at once (Swift 6.3 on Linux).
///
/// With an `Identity` (when the caller is root or has CAP_SETUID and
/// CAP_SETGID), the child runs as that user with exactly its groups and no
/// capabilities; posix_spawn cannot change ids, so that case forks in
/// CProcessShim's `panda_spawn_as`, which makes the same child otherwise.
///
/// ```swift
/// let pid = try Spawn.start("/usr/bin/squeue", ["-h"], environment: env, stdin: "/dev/null", stdout: out, stderr: err)
/// let asUser = try Spawn.start("/bin/sh", ["-c", "id"], environment: env, stdin: "/dev/null", stdout: out, stderr: out,
///                              identity: try Spawn.Identity(user: "panda-payload"))
/// ```
public enum Spawn {
    public struct Failure: Error, CustomStringConvertible {
        public let code: Int32
        public var message: String { String(cString: strerror(code)) }
        public var description: String { message }
    }

    /// With `truncate`, stdout and stderr start empty; otherwise they are
    /// appended to. With `searchPath`, a bare command name is looked up in
    /// PATH (posix_spawnp). Files and the directory are opened with the
    /// caller's rights, before the child takes on `identity`.
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String],
                             stdin: String, stdout: String, stderr: String, directory: String? = nil,
                             truncate: Bool = false, searchPath: Bool = false,
                             identity: Identity? = nil) throws(Failure) -> pid_t {
        if let identity, !identity.isCurrent {
            return try start(executable, arguments, environment: environment, stdin: stdin, stdout: stdout, stderr: stderr,
                             directory: directory, truncate: truncate, searchPath: searchPath, as: identity)
        }
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

    /// The identity case: the same child, forked, switching ids before execve.
    private static func start(_ executable: String, _ arguments: [String], environment: [String: String],
                              stdin: String, stdout: String, stderr: String, directory: String?,
                              truncate: Bool, searchPath: Bool, as identity: Identity) throws(Failure) -> pid_t {
        // After fork only system calls are safe, so PATH is searched here.
        guard let path = searchPath ? lookUp(executable) : executable else { throw Failure(code: ENOENT) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let strings = [path, stdin, stdout, stderr == stdout ? nil : stderr, directory].map { $0.map { strdup($0) } }
        defer {
            (argv + envp).forEach { free($0) }
            strings.forEach { free($0 ?? nil) }
        }
        var pid: pid_t = 0
        let result = argv.withUnsafeBufferPointer { argvBuffer in
            envp.withUnsafeBufferPointer { envpBuffer in
                identity.groups.withUnsafeBufferPointer { groups in
                    var request = panda_spawn_request(
                        path: strings[0]!, argv: argvBuffer.baseAddress, envp: envpBuffer.baseAddress,
                        stdin_path: strings[1]!, stdout_path: strings[2]!, stderr_path: strings[3] ?? nil,
                        output_flags: O_WRONLY | O_CREAT | (truncate ? O_TRUNC : O_APPEND), directory: strings[4] ?? nil,
                        uid: identity.uid, gid: identity.gid, groups: groups.baseAddress, group_count: groups.count,
                        umask: identity.umask.map { Int32($0) } ?? -1,
                        keep_switch_capabilities: identity.keepsSwitchCapabilities ? 1 : 0)
                    return panda_spawn_as(&request, &pid)
                }
            }
        }
        guard result == 0 else { throw Failure(code: result) }
        return pid
    }

    /// posix_spawnp's search: a name with a slash is taken as it is, else
    /// the first executable file of that name in this process's PATH.
    static func lookUp(_ name: String) -> String? {
        if name.contains("/") { return name }
        let search = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in search.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
            var info = stat()
            if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// The exit code, or 128 + the signal, from a waitpid status.
    public static func exitCode(_ status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
