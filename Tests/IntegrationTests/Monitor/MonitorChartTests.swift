import Foundation
import Testing

extension MonitorOperatorTests {
    @Test("attempts per hour are stacked bars on labelled axes, each leading to what it counts; jobs that ran between samples show as running")
    func charts() async throws {
        let setup = try MonitorSetup()
        defer { setup.stop() }
        try await setup.fill()
        try setup.startMonitor()
        let overview = try Chromium.render(setup.url + "/", screenshot: "overview-bars")
        let figures = DOM.matches("<figure>(.*?)</figure>", in: overview.dom).map { $0[1] }
        let day = try #require(figures.first)
        // Stacked: in the hour the jobs ended, a finished segment of 1 and a failed one of 2 (the cancelled job is neither).
        let segments = DOM.matches("<a href=\"([^\"]*)\" data-series=\"([a-z ]+)\" data-t=\"(\\d+)\" data-v=\"(\\d+)\"", in: day)
        let finished = segments.filter { $0[2] == "finished" }.reduce(0) { $0 + (Int($1[4]) ?? 0) }
        let failed = segments.filter { $0[2] == "failed" }.reduce(0) { $0 + (Int($1[4]) ?? 0) }
        #expect(finished == 1 && failed == 2, "\(segments.map { $0.dropFirst() })")
        // Axes: round ticks from 0 up, times along the bottom, both titled.
        let yTicks = DOM.matches("<text class=\"y-tick\"[^>]*>(\\d+)</text>", in: day).compactMap { Int($0[1]) }
        #expect(yTicks.first == 0 && yTicks.count >= 2 && (yTicks.last ?? 0) >= 3)
        #expect(DOM.matches("<text class=\"x-tick\"", in: day).count >= 3)
        #expect(day.contains(">attempts per hour</text>") && day.contains(">hour starting (UTC)</text>"))

        // A failed segment leads to the errors of its hour, which count the same attempts.
        let segment = try #require(segments.first { $0[2] == "failed" })
        let hour = try #require(Int64(segment[3]))
        let href = DOM.unescape(segment[1])
        #expect(href == "/errors?since=\(hour)&until=\(hour + 3599)")
        let errors = try Chromium.render(setup.url + href)
        #expect(DOM.text(errors.dom).contains("1 attempts finished, 2 failed, 1 cancelled"))
        let codes = DOM.rows(DOM.element("errors", in: errors.dom)).dropFirst().map(DOM.cells)
        #expect(codes.first?[0] == "1305" && codes.first?[4] == "2")

        // Running per queue: Q1 has one job running now, and the three that ran
        // and ended between two samples were running too; before, only the 1.
        let running = try #require(figures.first { $0.contains("Jobs running per queue") && $0.contains("24 h") })
        let line = try #require(DOM.matches("<polyline[^>]*data-series=\"Q1\"", in: running).first)
        #expect(!line.isEmpty)
        let json = try setup.json("/")
        let charts = try #require(json["charts"] as? [[String: Any]])
        #expect(charts.first?["kind"] as? String == "bars")
        let runningChart = try #require(charts.first { ($0["title"] as? String ?? "").hasPrefix("Jobs running per queue") })
        let q1 = try #require((runningChart["series"] as? [[String: Any]])?.first { $0["name"] as? String == "Q1" })
        let most = ((q1["points"] as? [[String: Any]]) ?? []).compactMap { $0["v"] as? Int }.max() ?? 0
        #expect(most >= 2, "the most jobs running in an hour: \(most)")
    }
}
