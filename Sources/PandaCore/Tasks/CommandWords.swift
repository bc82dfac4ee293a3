/// Splits a command line the way a POSIX shell splits words, without
/// running a shell: blanks separate words, '…' keeps everything literal,
/// "…" and \ escape as in sh. No expansion of $, globs or ~.
///
/// ```swift
/// try CommandWords.split(#"analyze.sh --label "my run" %IN"#)   // ["analyze.sh", "--label", "my run", "%IN"]
/// ```
public enum CommandWords {
    public struct UnterminatedQuote: Error, CustomStringConvertible {
        public let quote: Character
        public var description: String { "unterminated \(quote) quote in the command" }
    }

    public static func split(_ line: String) throws(UnterminatedQuote) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var characters = line.makeIterator()
        while let c = characters.next() {
            switch c {
            case " ", "\t", "\n":
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case "'":
                inWord = true
                var closed = false
                while let q = characters.next() {
                    if q == "'" { closed = true; break }
                    word.append(q)
                }
                guard closed else { throw UnterminatedQuote(quote: "'") }
            case "\"":
                inWord = true
                var closed = false
                while let q = characters.next() {
                    if q == "\"" { closed = true; break }
                    if q == "\\", let escaped = characters.next() {
                        if !["\"", "\\", "$", "`"].contains(escaped) { word.append("\\") }
                        word.append(escaped)
                    } else {
                        word.append(q)
                    }
                }
                guard closed else { throw UnterminatedQuote(quote: "\"") }
            case "\\":
                inWord = true
                if let escaped = characters.next() { word.append(escaped) }
            default:
                inWord = true
                word.append(c)
            }
        }
        if inWord { words.append(word) }
        return words
    }
}
