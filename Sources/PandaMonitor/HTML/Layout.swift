import Foundation
import PandaCore

/// The frame around every page: title, navigation, the style sheet, and a
/// meta refresh (pages work with JavaScript off; there is none).
enum Layout {
    static let navigation: [(String, String)] = [
        ("/", "Overview"), ("/jobs", "Jobs"), ("/errors", "Errors"), ("/queues", "Queues"), ("/tasks", "Tasks"), ("/pilots", "Pilots"),
    ]

    static func page(title: String, refresh: Int? = 60, signedIn: String? = nil, body: HTML) -> HTML {
        let links = navigation.map { path, label -> HTML in "<a href=\"\(path)\">\(label)</a>" }.joined(" ")
        let refreshTag: HTML = refresh.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? ""
        let who: HTML = signedIn.map { "<span class=\"who\">\($0) · <a href=\"/logout\">sign out</a></span>" } ?? ""
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(title) · panda monitor</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">\(refreshTag)
            <style>\(HTML(trusted: style))</style></head>
            <body><header><strong>panda</strong> <nav>\(links)</nav>\(who)</header>
            <main><h1>\(title)</h1>
            \(body)
            </main><footer>panda \(PandaVersion.current) · every page is also JSON: add <code>?format=json</code></footer></body></html>
            """
    }

    static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222}
        header{background:#234;color:#fff;padding:8px 16px}header a{color:#cde;margin-right:12px}
        .who{float:right}main{padding:8px 16px}h2{margin-top:24px;font-size:16px}
        table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
        th{background:#eef}td.n{text-align:right}.outlier{background:#fdd}.bad{color:#b00}
        .facets{display:flex;gap:16px;flex-wrap:wrap}.facets table{font-size:12px}
        .bar{display:inline-block;width:160px;height:10px;background:#eee}.bar span{display:inline-block;height:10px}
        pre{background:#f6f6f6;padding:8px;max-height:480px;overflow:auto;white-space:pre-wrap}
        svg text{font-size:10px}footer{color:#777;padding:16px}
        form.filters input{width:7em}
        """

    static func table(_ headers: [String], _ rows: [HTML], id: String? = nil) -> HTML {
        let head = headers.map { header -> HTML in "<th>\(header)</th>" }.joined()
        let attribute: HTML = id.map { " id=\"\($0)\"" } ?? ""
        return "<table\(attribute)><thead><tr>\(head)</tr></thead><tbody>\(rows.joined())</tbody></table>"
    }

    static func link(_ href: String, _ text: String, attributes: HTML = "") -> HTML {
        "<a href=\"\(href)\"\(attributes)>\(text)</a>"
    }

    /// A count that links to the job list it counts.
    static func count(_ n: Int, _ filters: [String: String]) -> HTML {
        n == 0 ? "0" : "<a class=\"count\" href=\"\(Link.jobs(filters))\">\(n)</a>"
    }
}

/// Times and sizes as people read them.
enum Format {
    /// `2026-12-01 13:28:17Z`. Written out from `gmtime_r`: a formatter
    /// object per call cost a 200-row page 40 ms.
    static func time(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, abs(seconds) < 1e11 else { return "—" }
        var clock = time_t(seconds.rounded(.down))
        var parts = tm()
        guard gmtime_r(&clock, &parts) != nil else { return "—" }
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    static func ago(_ seconds: Double?, now: Double) -> String {
        guard let seconds else { return "never" }
        let span = max(0, now - seconds)
        switch span {
        case ..<120: return "\(Int(span)) s ago"
        case ..<7200: return "\(Int(span / 60)) min ago"
        case ..<172_800: return "\(Int(span / 3600)) h ago"
        default: return "\(Int(span / 86_400)) d ago"
        }
    }

    static func bytes(_ n: Int64?) -> String {
        guard let n else { return "—" }
        return ByteCount(bytes: n).description
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "—" : String(format: "%.1f%%", Double(part) * 100 / Double(whole))
    }
}
