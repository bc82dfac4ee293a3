/// Text from the server (a job's name, command, diagnostics, a user name)
/// made safe to print on a terminal: control characters that a terminal
/// would act on — ESC (colours, OSC 52 clipboard writes, title changes),
/// BEL, CR and LF (overwriting or forging lines), DEL, the C1 controls and
/// the bidirectional overrides (RLO and friends, which reorder what is
/// shown) — are written as visible escapes instead.
///
/// ```swift
/// print(TerminalText.escaped(job.name))   // "evil\u{1B}]52;…" prints as "evil\e]52;…"
/// ```
///
/// Every line the client prints that holds text it did not write itself
/// goes through here (one rule, so no command is left out).
public enum TerminalText {
    /// One line: every control character escaped, line breaks included, so
    /// a value cannot end the line it is printed on and forge the next.
    public static func escaped(_ text: String) -> String {
        escaped(text, keeping: [])
    }

    /// A block whose own line breaks and tabs stay (a log file, a rendered
    /// page of lines); every other control character is escaped.
    public static func escapedKeepingLines(_ text: String) -> String {
        escaped(text, keeping: ["\n", "\t"])
    }

    static func escaped(_ text: String, keeping: Set<Unicode.Scalar>) -> String {
        func needsEscape(_ scalar: Unicode.Scalar) -> Bool { Self.needsEscape(scalar) && !keeping.contains(scalar) }
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x1B: result += "\\e"
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x09: result += "\\t"
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += scalar.value < 0x100 ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex : "\\u{\(hex)}"
            }
        }
        return result
    }

    /// What a terminal acts on rather than shows.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F, 0x80...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true  // bidirectional controls
        case 0x2028, 0x2029: return true  // line and paragraph separators
        default: return false
        }
    }
}
