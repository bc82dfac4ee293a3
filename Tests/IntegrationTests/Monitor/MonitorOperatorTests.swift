import Foundation
import Testing

/// What an operator does in the monitor beyond looking: paging through the
/// job list, following links, reading figures that are current.
@Suite("panda monitor for an operator")
struct MonitorOperatorTests {
    /// Markup of the page's own that a browser shows as text (an element
    /// escaped whole), the hostile job name taken out first.
    static func markupShownAsText(_ dom: String) -> [String] {
        let text = DOM.text(dom).replacingOccurrences(of: MonitorSetup.hostileName, with: "")
        return DOM.matches("<[a-zA-Z/][^>]{0,40}>?", in: text).map { $0[0] }
    }

    @Test("the job list pages through its next links, and no page shows its own markup as text")
    func paging() async throws {
        let setup = try MonitorSetup()
        defer { setup.stop() }
        try await setup.fill()
        try setup.startMonitor()
        // 10 jobs, 4 a page: three pages, each reached by clicking "next page".
        var path = "/jobs?limit=4"
        var seen: [Int] = []
        var pages = 0
        while pages < 5 {
            let page = try Chromium.render(setup.url + path, screenshot: "jobs-page-\(pages + 1)")
            pages += 1
            #expect(Self.markupShownAsText(page.dom) == [], "\(path)")
            seen += DOM.rows(DOM.element("jobs", in: page.dom)).dropFirst().compactMap { Int(DOM.cells($0)[0]) }
            guard let next = DOM.matches("<a href=\"([^\"]*)\" rel=\"next\">next page", in: page.dom).first else { break }
            path = DOM.unescape(next[1])
            #expect(path.hasPrefix("/jobs?limit=4&before="))
        }
        #expect(pages == 3)
        #expect(seen.count == 10 && seen == seen.sorted(by: >) && Set(seen).count == 10)
        // Oldest first pages the other way, with the same links.
        let oldest = try Chromium.render(setup.url + "/jobs?sort=oldest&limit=4")
        let continued = try #require(DOM.matches("<a href=\"([^\"]*)\" rel=\"next\">", in: oldest.dom).first)
        #expect(DOM.unescape(continued[1]).contains("after="))

        // The other optional paragraphs: a log that is not shown says why, as a paragraph.
        for path in ["/", "/jobs/\(setup.failedJob)", "/errors", "/queues/Q1", "/pilots"] {
            let page = try Chromium.render(setup.url + path)
            #expect(Self.markupShownAsText(page.dom) == [], "\(path)")
        }
        let refused = try setup.signIn("not a token")
        #expect(refused.body.contains("<p class=\"bad\">That is not a panda token.</p>"))
    }
}
