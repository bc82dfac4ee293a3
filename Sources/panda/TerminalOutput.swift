import Foundation
import PandaCore

// Everything the commands print for people goes through these two, so text
// that came from the server, a file or another user (a job's name, a
// diagnostic, a token's subject) cannot drive the terminal: control
// characters are shown escaped (TerminalText). Output for programs (--json)
// is JSON-escaped instead and printed as it is.

/// A line (or a block of our own lines) on standard output, flushed, so
/// progress shows at once in a pipe or a journal too.
func say(_ text: String) {
    print(TerminalText.escapedKeepingLines(text))
    fflush(nil)
}

/// A line on standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((TerminalText.escapedKeepingLines(line) + "\n").utf8))
}

/// A file's bytes (a payload's stdout) on standard output: as they are into
/// a pipe or file, escaped like everything else on a terminal, since the
/// payload that wrote them may belong to another user.
func writeFile(_ data: Data) {
    guard isatty(STDOUT_FILENO) == 1 else { return FileHandle.standardOutput.write(data) }
    FileHandle.standardOutput.write(Data(TerminalText.escapedKeepingLines(String(decoding: data, as: UTF8.self)).utf8))
}
