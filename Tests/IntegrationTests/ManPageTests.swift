import Foundation
import Testing
import TestSupport

/// The committed man pages (man/, from scripts/generate-man) read as a user
/// sees them: no text the formatter folds into a paragraph by mistake, and a
/// page for every file a user edits.
@Suite("man pages")
struct ManPageTests {
    static let directory = Repository.path("man")

    static func pages() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".1") || $0.hasSuffix(".5") }.sorted()
    }

    static func text(_ page: String) throws -> String {
        try String(contentsOfFile: directory + "/" + page, encoding: .utf8)
    }

    /// Lines outside a no-fill display (.nf/.fi, .Bd/.Ed) that begin with a
    /// blank: man and mdoc join them to the paragraph, so a table laid out
    /// for --help comes out as run-on text.
    static func indentedTextLines(_ text: String) -> [String] {
        var literal = false
        var found: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix(".nf") || line.hasPrefix(".Bd") { literal = true }
            if line.hasPrefix(".fi") || line.hasPrefix(".Ed") { literal = false }
            if !literal, line.first == " " || line.first == "\t" { found.append(line) }
        }
        return found
    }

    @Test("no page has filled text that was laid out with indentation")
    func noIndentedText() throws {
        for page in try Self.pages() {
            #expect(Self.indentedTextLines(try Self.text(page)) == [], "\(page)")
        }
    }

    @Test("panda-submit(1) lists each placeholder as an item of its own")
    func submitPlaceholders() throws {
        let page = try Self.text("panda-submit.1")
        for placeholder in ["%IN", "%IN_CSV", "%OUT", "%JOB", "%%"] {
            #expect(page.contains("\n.It Li \(placeholder)\n"), "\(placeholder)")
        }
    }

    @Test("client.yaml has its page, panda-client.yaml(5), with every key the reader accepts")
    func clientSettingsPage() throws {
        let page = try Self.text("panda-client.yaml.5")
        #expect(page.hasPrefix(".TH PANDA-CLIENT.YAML 5"))
        for key in ["server", "token", "token_file", "ca_file", "defaults.queue", "defaults.cores", "defaults.memory", "defaults.walltime",
                    "defaults.max_attempts", "defaults.priority", "defaults.files_per_job", "defaults.scope", "defaults.storage"] {
            #expect(page.contains(".TP\n\\fB\(key.replacingOccurrences(of: "-", with: "\\-"))\\fR\n"), "\(key)")
        }
        #expect(try Self.text("panda.1").contains("panda-client.yaml(5)"))
    }
}
