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

/// A file (a payload's stdout) on the terminal, escaped like everything
/// else, since the payload that wrote it may belong to another user. Read
/// in chunks that end at a line break, so a character is never cut in two.
func writeEscaped(file path: String) {
    guard let input = FileHandle(forReadingAtPath: path) else { return }
    defer { try? input.close() }
    var pending = Data()
    while true {
        let chunk = input.readData(ofLength: 65_536)
        pending.append(chunk)
        let end = chunk.isEmpty ? pending.endIndex : (pending.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? pending.startIndex)
        if end > pending.startIndex || chunk.isEmpty {
            let text = String(decoding: pending[pending.startIndex..<end], as: UTF8.self)
            FileHandle.standardOutput.write(Data(TerminalText.escapedKeepingLines(text).utf8))
            pending = Data(pending[end...])
        }
        if chunk.isEmpty { return }
    }
}
