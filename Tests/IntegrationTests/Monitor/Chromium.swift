import Foundation
import TestSupport

/// Debian's headless Chromium, run once per page: the DOM it built (after
/// parsing, as a user's browser has it), what it logged to its console, and
/// a screenshot kept under .build/monitor-screenshots for people to look at.
enum Chromium {
    static let binary = "/usr/bin/chromium"

    struct Rendered {
        let dom: String
        let consoleErrors: [String]
    }

    static var screenshots: String { Repository.path(".build/monitor-screenshots") }

    static func render(_ url: String, screenshot name: String? = nil) throws -> Rendered {
        let profile = NSTemporaryDirectory() + "panda-chromium-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let common = ["60", binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                      "--user-data-dir=\(profile)", "--enable-logging=stderr", "--v=0", "--window-size=1280,1600"]
        let dump = try PandaProcess.runTool("/usr/bin/timeout", common + ["--dump-dom", url], environment: ["HOME": profile])
        guard dump.status == 0 else { throw ServerProcessError("chromium failed on \(url) (\(dump.status)): \(dump.stderr.suffix(2000))") }
        if let name {
            try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
            _ = try PandaProcess.runTool("/usr/bin/timeout", common + ["--screenshot=\(screenshots)/\(name).png", url], environment: ["HOME": profile])
        }
        // Console messages and refused resources (CSP) come out as CONSOLE lines or "Refused to".
        let errors = dump.stderr.components(separatedBy: "\n").filter {
            ($0.contains("CONSOLE") && !$0.contains(":INFO:")) || $0.contains("Refused to") || $0.contains("Uncaught")
        }
        return Rendered(dom: dump.stdout, consoleErrors: errors)
    }
}

/// Small readers of a DOM dump: enough to find rows, links and attributes.
enum DOM {
    static func matches(_ pattern: String, in text: String) -> [[String]] {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).map { match in
            (0..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
            }
        }
    }

    /// The inside of the element with this id.
    static func element(_ id: String, in dom: String) -> String {
        matches("id=\"\(id)\"[^>]*>(.*?)</table>", in: dom).first?[1] ?? ""
    }

    static func rows(_ table: String) -> [String] {
        matches("<tr[^>]*>(.*?)</tr>", in: table).map { $0[1] }
    }

    static func cells(_ row: String) -> [String] {
        matches("<t[dh][^>]*>(.*?)</t[dh]>", in: row).map { text($0[1]) }
    }

    /// Text without tags, entities decoded.
    static func text(_ html: String) -> String {
        let stripped = html.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
        return stripped.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func unescape(_ attribute: String) -> String { text(attribute) }
}
