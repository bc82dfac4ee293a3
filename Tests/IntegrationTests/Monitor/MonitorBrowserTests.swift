import Foundation
import Testing

/// The monitor as a user sees it: real server, real monitor process, pages
/// rendered by headless Chromium.
@Suite("panda monitor in a real browser")
struct MonitorBrowserTests {
    @Test("every page renders without console errors, counts link to the list they count, the job page shows stdout, charts and JSON match")
    func pages() async throws {
        let setup = try MonitorSetup()
        defer { setup.stop() }
        try await setup.fill()
        try setup.startMonitor()
        let base = setup.url
        let pages: [(String, String)] = [
            ("overview", "/"), ("jobs", "/jobs"), ("job", "/jobs/\(setup.finishedJob)"), ("failed-job", "/jobs/\(setup.failedJob)"),
            ("errors", "/errors"), ("queues", "/queues"), ("queue", "/queues/Q1"), ("tasks", "/tasks"), ("pilots", "/pilots"),
            ("user", "/users/alice"), ("jobs-filtered", "/jobs?queue=Q1&state=failed"),
        ]
        var rendered: [String: Chromium.Rendered] = [:]
        for (name, path) in pages {
            let page = try Chromium.render(base + path, screenshot: name)
            #expect(page.consoleErrors == [], "\(path): \(page.consoleErrors)")
            #expect(page.dom.contains("<h1>") && !page.dom.contains("Cannot show this page"), "\(path) did not render: \(page.dom.prefix(600))")
            rendered[name] = page
        }

        // Jobs by state × queue: the HTML's totals are the JSON's.
        let overview = try setup.json("/")
        let totals = try #require(overview["totals"] as? [String: Int])
        let states = try #require(overview["states"] as? [String])
        let countsTable = DOM.element("counts", in: rendered["overview"]!.dom)
        let totalRow = try #require(DOM.rows(countsTable).last.map(DOM.cells))
        #expect(totalRow.first == "all")
        #expect(Array(totalRow.dropFirst()) == states.map { String(totals[$0] ?? 0) })
        for state in ["activated", "sent", "starting", "running", "holding", "finished", "failed", "cancelled"] {
            #expect((totals[state] ?? 0) > 0, "no \(state) job in the overview")
        }

        // A chart of the last 24 h has one point per hour, ends included.
        let charts = try #require(overview["charts"] as? [[String: Any]])
        let finishedSeries = try #require((charts.first?["series"] as? [[String: Any]])?.first)
        let points = try #require(finishedSeries["points"] as? [[String: Any]])
        #expect(points.count == 25)
        // Drawn as bars: only the hours with attempts have one, and they add up to the JSON's.
        let firstChart = try #require(DOM.matches("<figure>(.*?)</figure>", in: rendered["overview"]!.dom).first?[1])
        let bars = DOM.matches("data-series=\"finished\" data-t=\"(\\d+)\" data-v=\"(\\d+)\"", in: firstChart)
        let nonZero = points.filter { ($0["v"] as? Int ?? 0) > 0 }
        #expect(bars.map { Int($0[1]) ?? 0 } == nonZero.map { Int(($0["t"] as? NSNumber)?.int64Value ?? 0) })
        #expect(bars.map { Int($0[2]) ?? 0 } == nonZero.map { $0["v"] as? Int ?? 0 })

        // Clicking a count: the failed count of Q1 on the jobs page's summary narrows table and URL.
        let jobsDOM = rendered["jobs"]!.dom
        let facet = try #require(DOM.matches("<a href=\"([^\"]*)\" class=\"facet\" data-facet=\"state\">(\\d+)</a>", in: jobsDOM)
            .first { DOM.unescape($0[1]).contains("state=failed") })
        let href = DOM.unescape(facet[1])
        #expect(href == "/jobs?state=failed")
        let narrowed = try Chromium.render(base + href, screenshot: "jobs-clicked")
        let rows = DOM.rows(DOM.element("jobs", in: narrowed.dom)).dropFirst()
        #expect(rows.count == Int(facet[2]))
        #expect(rows.allSatisfy { DOM.cells($0)[5] == "failed" })
        let allRows = DOM.rows(DOM.element("jobs", in: jobsDOM)).dropFirst()
        #expect(allRows.count == 10 && rows.count == 2)
        let jobsJSON = try setup.json("/jobs?state=failed")
        #expect((jobsJSON["jobs"] as? [Any])?.count == rows.count)

        // The job page shows the log's stdout inline.
        let job = rendered["job"]!.dom
        let stdout = try #require(DOM.matches("<pre class=\"log\" data-file=\"payload.stdout\">(.*?)</pre>", in: job).first)
        #expect(DOM.text(stdout[1]) == MonitorSetup.stdoutLine)

        // A log URL outside the storage endpoints is not read.
        #expect(rendered["failed-job"]!.dom.contains("is not under a storage endpoint"))
        #expect(!rendered["failed-job"]!.dom.contains("data-file="))

        // The errors page: its top code and count are the JSON's, and its busiest queue links to those jobs.
        let errors = try setup.json("/errors")
        let top = try #require((errors["errors"] as? [[String: Any]])?.first)
        #expect(top["code"] as? Int == 1305 && top["count"] as? Int == 2)
        let errorRow = try #require(DOM.rows(DOM.element("errors", in: rendered["errors"]!.dom)).dropFirst().first.map(DOM.cells))
        #expect(errorRow[0] == "1305" && errorRow[4] == "2")
        let queueLink = try #require(DOM.matches("<a href=\"([^\"]*)\" class=\"breakdown\" data-queue=\"Q1\">", in: rendered["errors"]!.dom).first)
        let failing = try Chromium.render(base + DOM.unescape(queueLink[1]))
        #expect(DOM.rows(DOM.element("jobs", in: failing.dom)).dropFirst().count == 2)

        // Queues: the HTML's activated and failed figures are the JSON's.
        let queues = try #require(try setup.json("/queues")["queues"] as? [[String: Any]])
        let q1 = try #require(queues.first { $0["queue"] as? String == "Q1" })
        let q1Row = try #require(DOM.rows(DOM.element("queues", in: rendered["queues"]!.dom)).first { DOM.cells($0).first == "Q1" }
            .map(DOM.cells))
        #expect(q1Row[6] == String(q1["activated"] as? Int ?? -1) && q1Row[9] == String(q1["failed_24h"] as? Int ?? -1))
        #expect(q1Row[4] == "2" && q1Row[5] == "3")   // the factory's pilots

        // The queue page: node-Q1 failed both attempts that ended there with an error, and is marked.
        #expect(rendered["queue"]!.dom.contains("data-node=\"node-Q1\""))

        // Hostile strings are text, never markup.
        #expect(!jobsDOM.contains("<script"))
        #expect(DOM.text(jobsDOM).contains(MonitorSetup.hostileName))
    }

    @Test("with auth: token a user signs in once, keeps the token in an HttpOnly SameSite cookie, and sees only their own jobs")
    func tokenSignIn() async throws {
        let setup = try MonitorSetup(auth: "token")
        defer { setup.stop() }
        try await setup.fill()
        try setup.startMonitor()
        #expect(try setup.fetch("/jobs").status == 303)
        #expect(try setup.fetch("/jobs?format=json").status == 401)
        #expect(try setup.signIn("not a token").status == 400)

        let bob = try setup.server.token("bob", scope: "submit")
        let bobJob = jobJSON("bobs", queue: "Q2")
        _ = try await setup.server.post("/api/v1/job/submit", token: bob, json: ["jobs": [bobJob]])
        let signIn = try setup.signIn(bob, origin: setup.url)
        #expect(signIn.status == 303)
        let cookie = try #require(signIn.headers.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") })
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        let value = try #require(DOM.matches("panda_token=([^;]+)", in: cookie).first?[1])
        let page = try setup.fetch("/jobs?format=json", ["-H", "Cookie: panda_token=\(value)"])
        let data = (try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])?["data"] as? [String: Any]
        let owners = Set(((data?["jobs"] as? [[String: Any]]) ?? []).compactMap { $0["owner"] as? String })
        #expect(owners == ["bob"])
        // Another user's filter is refused by the server, and the monitor says so.
        #expect(try setup.fetch("/jobs?owner=alice", ["-H", "Cookie: panda_token=\(value)"]).status == 403)
    }
}
