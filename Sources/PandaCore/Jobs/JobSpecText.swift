/// A job's command and resource request as people read them, written once so
/// `panda show`, `panda submit --dry-run` and the monitor's job page say the
/// same thing.
///
/// ```swift
/// spec.payload.commandLine   // /bin/sh -c 'echo "a b"'
/// spec.resources.summary     // 1 core, memory 2GB, disk the queue's limit, walltime 1h
/// ```
extension Payload {
    /// The executable and its arguments, each quoted as a POSIX shell would
    /// need it, so the words (and the arguments holding spaces) are visible.
    public var commandLine: String {
        ([executable] + arguments).map(ShellWord.quoted).joined(separator: " ")
    }
}

extension ResourceRequest {
    /// Every part of the request, the ones left to the queue included.
    public var summary: String {
        func part(_ name: String, _ value: (any CustomStringConvertible)?) -> String {
            "\(name) \(value?.description ?? "the queue's limit")"
        }
        return "\(cores) core\(cores == 1 ? "" : "s"), " + [part("memory", memory), part("disk", disk), part("walltime", walltime)]
            .joined(separator: ", ")
    }
}

/// One word for a POSIX shell: as it is when it needs no quoting, else in
/// single quotes.
public enum ShellWord {
    public static func quoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,%+@".contains($0) }
        guard !plain || word.isEmpty else { return word }
        // Inside single quotes only ' needs care: end the quote, an escaped ', reopen.
        return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
