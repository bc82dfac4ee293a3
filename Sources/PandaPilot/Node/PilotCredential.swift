import CProcessShim
import Foundation
import PandaSystem

/// The pilot's token: read once, then put out of the payload's reach.
///
/// ```swift
/// let token = try PilotCredential.load(file: "/spool/pilot.token", keepFile: false)
/// ```
/// The file must not be readable by group or others. It is removed once
/// read (unless kept), because a payload runs as the same user and could
/// otherwise read it. `PANDA_PILOT_TOKEN` is wiped in place in the
/// process's initial environment — which `/proc/PID/environ` shows to the
/// same user — and removed, and the process is made non-dumpable.
public enum PilotCredential {
    static let environmentName = "PANDA_PILOT_TOKEN"

    public static func load(file: String?, keepFile: Bool) throws(PilotError) -> String {
        defer { hideFromChildren() }
        if let file {
            var info = stat()
            guard stat(file, &info) == 0 else {
                throw PilotError.setup("cannot read the token file \(file): \(String(cString: strerror(errno)))")
            }
            guard info.st_mode & 0o077 == 0 else {
                throw PilotError.setup(String(format: "the token file %@ has mode %03o: group and others must not be able to read it (chmod 600)",
                                              file, info.st_mode & 0o777))
            }
            guard let data = SmallFile.read(file, limit: 65536) else {
                throw PilotError.setup("cannot read the token file \(file)")
            }
            if !keepFile { unlink(file) }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw PilotError.setup("the token file \(file) is empty") }
            return token
        }
        guard let token = ProcessInfo.processInfo.environment[environmentName], !token.isEmpty else {
            throw PilotError.setup("no pilot token: give --token-file or set \(environmentName)")
        }
        return token
    }

    /// Overwrites the variable's value where the kernel keeps the initial
    /// environment, drops it from the environment, and turns off dumping,
    /// which also closes /proc/PID/{environ,mem} to non-root processes.
    static func hideFromChildren() {
        if let value = getenv(environmentName) {
            let length = strlen(value)
            memset(value, 0x58, length)   // 'X': the same length, so nothing else moves
        }
        unsetenv(environmentName)
        _ = panda_set_not_dumpable()
    }
}
