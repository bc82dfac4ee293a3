import Foundation
import PandaCore

/// The batch script that starts a pilot on a worker node, self-sufficient:
/// nothing in it relies on the factory host's file system. It makes a private
/// work area in the node's scratch (`$TMPDIR`, else `/tmp`), writes the
/// pilot's token there with mode 0600 from a here-document, sends its output
/// to the factory's spool when the node shares it (else beside the pilot),
/// and execs the pilot, so the batch system sees the pilot's own exit code
/// and signals.
///
/// ```swift
/// let text = PilotScript(launch: launch, directives: ["#SBATCH --comment=x"], redirectOutput: true).text
/// ```
/// The token travels inside the script: the script is written 0600 on the
/// factory host, and the batch system keeps its copy in its own spool.
struct PilotScript {
    /// Stands for the token file in a launch's command line.
    static let tokenFile = "@PANDA_PILOT_TOKEN_FILE@"
    /// Stands for the token's folder (with a trailing `/`) in a launch's environment.
    static let tokenDirectory = "@PANDA_PILOT_TOKEN_DIR@/"

    let launch: PilotLaunch
    let directives: [String]
    /// Slurm and PBS: the script sends its own output (the batch system's
    /// goes to /dev/null, since a path it cannot open fails the job);
    /// HTCondor brings stdout and stderr back itself.
    let redirectOutput: Bool

    var text: String {
        var lines = ["#!/bin/sh"] + directives
        lines.append("# panda pilot \(launch.name): everything it needs is in this script.")
        lines.append("umask 077")
        let environment = launch.environment.sorted(by: { $0.key < $1.key }).filter { Self.isName($0.key) }
        for (key, value) in environment where value != Self.tokenDirectory {
            lines.append("export \(key)=\(shellQuoted(value))")
        }
        lines.append("work=\"${TMPDIR:-/tmp}/\(launch.name)\"")
        for (key, value) in environment where value == Self.tokenDirectory {
            lines.append("export \(key)=\"$work/\"")
        }
        lines.append("mkdir -p \"$work\" && cd \"$work\" || { echo \"cannot make the pilot's work area $work\" >&2; exit 1; }")
        if redirectOutput {
            lines.append("spool=\(shellQuoted(launch.directory))")
            lines.append("if [ -d \"$spool\" ] && [ -w \"$spool\" ]; then out=\"$spool\"; else out=\"$work\"; fi")
            lines.append("exec >>\"$out/pilot.out\" 2>>\"$out/pilot.err\"")
        }
        // Quoted delimiter: the token is written as it is, never expanded.
        lines.append("cat > \"$work/pilot.token\" <<'PANDA_PILOT_TOKEN'")
        lines.append(launch.token)
        lines.append("PANDA_PILOT_TOKEN")
        let command = launch.command.map { $0 == Self.tokenFile ? "\"$work/pilot.token\"" : shellQuoted($0) }
        lines.append("exec " + command.joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the script into the launch's directory, readable by its owner only.
    func write(named file: String, command: String) throws(BatchError) -> String {
        let path = launch.directory + "/" + file
        unlink(path)
        // Created 0700 before the token is in it: never readable by others.
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o700]) else {
            throw BatchError.commandFailed(command: command, detail: "cannot write \(path)")
        }
        return path
    }

    /// An environment name the shell accepts (others would break the script).
    static func isName(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || (first.isASCII && CharacterSet.letters.contains(first)) else { return false }
        return key.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) }
    }
}

/// Shell quoting for batch scripts: single quotes, with embedded ones escaped.
func shellQuoted(_ word: String) -> String {
    "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}
