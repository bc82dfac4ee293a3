import CProcessShim
import Foundation
import PandaSystem

/// The pilot's token: read once, then put out of the payload's reach.
///
/// ```swift
/// let token = try PilotCredential.load(.file("/spool/pilot.token", keep: false), payloadsShareUID: true)
/// let token = try PilotCredential.load(.descriptor(0), payloadsShareUID: true)   // systemd StandardInput=file:
/// ```
/// A token file must not be readable by group or others. When payloads
/// run under the pilot's own uid, nothing of the token may stay where they
/// can reach it: the file is removed once read, and a file the pilot cannot
/// remove (a directory it may not write, `--keep-token-file`) is refused
/// rather than left readable — pass such a token by descriptor instead,
/// which is closed before any payload starts. `PANDA_PILOT_TOKEN` is wiped
/// in place in the process's initial environment — which
/// `/proc/PID/environ` shows to the same user — and removed, and the
/// process is made non-dumpable.
public enum PilotCredential {
    static let environmentName = "PANDA_PILOT_TOKEN"
    /// Longer than any JWT the server mints; a bound before reading.
    static let largestToken = 65536

    /// Where the token comes from.
    public enum Source: Sendable {
        /// A file, removed once read unless `keep`.
        case file(String, keep: Bool)
        /// An open descriptor (0 for standard input), read to its end and
        /// then closed (0–2 are pointed at /dev/null instead).
        case descriptor(Int32)
        /// `PANDA_PILOT_TOKEN`.
        case environment

        var name: String {
            switch self {
            case .file(let path, _): return "file \(path)"
            case .descriptor(let descriptor): return "descriptor \(descriptor)"
            case .environment: return PilotCredential.environmentName
            }
        }
    }

    public static func load(_ source: Source, payloadsShareUID: Bool) throws(PilotError) -> String {
        defer { hideFromChildren() }
        let data: [UInt8]
        switch source {
        case .file(let file, let keep):
            data = try readFile(file, keep: keep, payloadsShareUID: payloadsShareUID)
        case .descriptor(let descriptor):
            data = try readDescriptor(descriptor)
        case .environment:
            guard let token = ProcessInfo.processInfo.environment[environmentName], !token.isEmpty else {
                throw PilotError.setup("no pilot token: give --token-file, --token-fd or set \(environmentName)")
            }
            return token
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw PilotError.setup("the pilot token (\(source.name)) is empty") }
        return token
    }

    private static func readFile(_ file: String, keep: Bool, payloadsShareUID: Bool) throws(PilotError) -> [UInt8] {
        if keep && payloadsShareUID {
            throw PilotError.setup("--keep-token-file would leave \(file) readable by payloads, which run under the pilot's own uid: "
                                   + "let the pilot remove it, pass the token with --token-fd, or run payloads as another user")
        }
        var info = stat()
        guard stat(file, &info) == 0 else {
            throw PilotError.setup("cannot read the token file \(file): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw PilotError.setup(String(format: "the token file %@ has mode %03o: group and others must not be able to read it (chmod 600)",
                                          file, info.st_mode & 0o777))
        }
        guard let data = SmallFile.read(file, limit: largestToken) else {
            throw PilotError.setup("cannot read the token file \(file)")
        }
        if !keep && unlink(file) != 0 {
            let reason = String(cString: strerror(errno))
            // Left in place it stays readable by anything of the pilot's uid.
            if payloadsShareUID {
                throw PilotError.setup("cannot remove the token file \(file) once read (\(reason)), and payloads run under the pilot's "
                                       + "own uid and could read it: put it in a directory the pilot may write, pass the token with "
                                       + "--token-fd, or run payloads as another user")
            }
            printToStandardError("panda pilot: the token file \(file) was not removed (\(reason)); payloads run as another user and cannot read it\n")
        }
        return data
    }

    private static func readDescriptor(_ descriptor: Int32) throws(PilotError) -> [UInt8] {
        var info = stat()
        guard descriptor >= 0, fstat(descriptor, &info) == 0 else {
            throw PilotError.setup("--token-fd \(descriptor) is not an open descriptor")
        }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw PilotError.setup("cannot read the token from descriptor \(descriptor): \(String(cString: strerror(errno)))") }
            if got == 0 { break }
            data += chunk.prefix(got)
            guard data.count <= largestToken else { throw PilotError.setup("descriptor \(descriptor) holds more than a token (over 64 KiB)") }
        }
        // Nothing the pilot starts later may find it open.
        if descriptor <= 2 {
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            if null >= 0 { dup2(null, descriptor); close(null) }
        } else {
            close(descriptor)
        }
        return data
    }

    private static func printToStandardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
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
