import Foundation
import PandaClient
import PandaCore

/// `/jobs?state=&queue=&site=&owner=&task=&name=&error=&since=&until=&sort=&limit=`:
/// a page of the filtered list (keyset paging through `before`/`after`),
/// and beside it the value counts of the newest matching jobs, each a link
/// that narrows the filter.
enum JobsPage: MonitorPage {
    struct Model: Codable, Sendable {
        var filters: [String: String]
        var jobs: [JobStatus]
        /// The next page's URL, when there is one.
        var next: String?
        var facets: JobFacets?
    }

    static func load(_ request: PageRequest) async throws -> Model {
        var filters: [String: String] = [:]
        for key in Link.jobKeys { if let value = request.text(key) { filters[key] = value } }
        var pairs = request.pairs(Link.jobKeys + ["before", "after"])
        if filters["limit"] == nil { pairs.append(("limit", String(request.settings.pageSize))) }
        pairs.append(("facets", "true"))
        let page = try await request.api.jobs(pairs)
        let next = page.next.map { cursor -> String in
            var continued = Link.jobs(filters)
            continued += (continued.contains("?") ? "&" : "?") + (filters["sort"] == "oldest" ? "after=" : "before=") + String(cursor)
            return continued
        }
        return Model(filters: filters, jobs: page.jobs, next: next, facets: page.facets)
    }

    static func render(_ model: Model, _ request: PageRequest) -> (title: String, body: HTML) {
        let active = model.filters.sorted { $0.key < $1.key }.map { key, value -> HTML in
            var without = model.filters
            without[key] = nil
            return "<span class=\"filter\">\(key)=\(value) \(Layout.link(Link.jobs(without), "✕"))</span> "
        }.joined()
        let body: HTML = """
            \(form(model.filters))
            <p>\(model.filters.isEmpty ? "All jobs, newest first." : active)</p>
            <div class="facets">\(facets(model))</div>
            \(table(model.jobs))
            \(model.next.html { "<p>\(Layout.link($0, "next page →", attributes: " rel=\"next\""))</p>" })
            """
        return ("Jobs", body)
    }

    static func table(_ jobs: [JobStatus]) -> HTML {
        let rows = jobs.map { job -> HTML in
            let error: HTML = job.errorCode.map { code in
                "\(Layout.link(Link.jobs(["error": String(code)]), String(code))) \(ErrorCode.lookup(code).name)"
            } ?? ""
            let queue: HTML = job.queue.map { Layout.link(Link.queue($0), $0) } ?? ""
            let task: HTML = job.taskID.map { Layout.link(Link.task($0), String($0)) } ?? ""
            return """
                <tr data-job="\(job.id)"><td>\(Layout.link(Link.job(job.id), String(job.id)))</td><td>\(job.name)</td>\
                <td>\(Layout.link(Link.user(job.owner), job.owner))</td><td>\(queue)</td><td>\(task)</td>\
                <td class="state-\(job.state.rawValue)">\(job.state.rawValue)</td><td class="n">\(job.attempt)/\(job.maxAttempts)</td>\
                <td>\(error)</td><td>\(Format.time(job.createdAt))</td><td>\(Format.time(job.stateChangedAt))</td></tr>
                """
        }
        guard !rows.isEmpty else { return "<p id=\"jobs\">No jobs match.</p>" }
        return Layout.table(["id", "name", "owner", "queue", "task", "state", "attempt", "error", "submitted", "state since"], rows, id: "jobs")
    }

    static func facets(_ model: Model) -> HTML {
        guard let facets = model.facets else { return "" }
        let groups: [(String, String, [NamedCount])] = [
            ("state", "state", facets.states), ("queue", "queue", facets.queues), ("owner", "owner", facets.owners),
            ("task", "task", facets.tasks), ("error", "error code", facets.errors),
        ]
        let tables = groups.map { key, label, counts -> HTML in
            let rows = counts.prefix(15).map { count -> HTML in
                var narrowed = model.filters
                narrowed[key] = count.name
                return "<tr><td>\(count.name)</td><td class=\"n\">\(Layout.link(Link.jobs(narrowed), String(count.count), attributes: " class=\"facet\" data-facet=\"\(key)\""))</td></tr>"
            }
            return Layout.table([label, "jobs"], rows)
        }.joined()
        let scope: HTML = facets.truncated ? "among the newest \(facets.scanned) matching jobs" : "of all \(facets.scanned) matching jobs"
        return "<div><p>Value counts \(scope):</p><div class=\"facets\">\(tables)</div></div>"
    }

    static func form(_ filters: [String: String]) -> HTML {
        let fields = ["state", "queue", "site", "owner", "task", "name", "error", "since", "until"].map { key -> HTML in
            "<label>\(key) <input name=\"\(key)\" value=\"\(filters[key] ?? "")\"></label> "
        }.joined()
        return """
            <form class="filters" method="get" action="/jobs">\(fields)\
            <label>sort <select name="sort"><option>newest</option><option\(filters["sort"] == "oldest" ? " selected" : "")>oldest</option></select></label> \
            <button>filter</button></form>
            """
    }
}
