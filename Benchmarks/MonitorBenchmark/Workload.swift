/// The pages the benchmark asks for and the server calls behind them, with
/// typical filters: one of each kind, and names, ids and cursors that exist
/// at the size filled (StoreFill's rules: task 5 is user005's and runs on
/// Q035 among others; the newest jobs' pilots are in the factory's report).
struct Workload {
    let jobs: Int

    var deep: Int { jobs / 10 }
    var recentJob: Int { jobs - 5 }

    var pages: [String] {
        [
            "/", "/jobs", "/jobs?state=failed", "/jobs?queue=Q035", "/jobs?owner=user005", "/jobs?task=5", "/jobs?error=1305",
            "/jobs?name=user005.task5.*", "/jobs?name=user005.*", "/jobs?state=failed&queue=Q035", "/jobs?site=SITE1&state=running",
            "/jobs?error=1099&since=24h", "/jobs?before=\(deep)", "/jobs?state=finished&before=\(deep)",
            "/jobs?queue=Q035&sort=oldest&after=\(deep)",
            "/jobs/\(jobs / 2)", "/jobs/\(recentJob)", "/tasks", "/tasks/5", "/queues", "/queues/Q035", "/errors", "/errors?since=7d",
            "/errors?queue=Q035", "/errors?owner=user005", "/pilots", "/pilots?queue=Q035&state=finished", "/users/user005",
            "/datasets/data.1",
        ]
    }

    struct Call {
        let path: String
        var body: String? = nil
    }

    var serverCalls: [Call] {
        let page = "limit=50&facets=true"
        return [
            Call(path: "/api/v1/stats/summary"), Call(path: "/api/v1/stats/liveness"),
            Call(path: "/api/v1/stats/history?resolution=hour&since=24h"), Call(path: "/api/v1/stats/history?resolution=hour&since=7d"),
            Call(path: "/api/v1/stats/history?resolution=hour&since=24h&by_queue=true"),
            Call(path: "/api/v1/stats/history?resolution=hour&since=7d&queue=Q035"),
            Call(path: "/api/v1/stats/errors?since=24h"), Call(path: "/api/v1/stats/errors?since=7d"),
            Call(path: "/api/v1/stats/errors?since=24h&queue=Q035"), Call(path: "/api/v1/stats/errors?owner=user005&since=7d"),
            Call(path: "/api/v1/stats/nodes?queue=Q035&since=24h"),
            Call(path: "/api/v1/jobs?\(page)"), Call(path: "/api/v1/jobs?state=failed&\(page)"), Call(path: "/api/v1/jobs?queue=Q035&\(page)"),
            Call(path: "/api/v1/jobs?owner=user005&\(page)"), Call(path: "/api/v1/jobs?task=5&\(page)"), Call(path: "/api/v1/jobs?error=1305&\(page)"),
            Call(path: "/api/v1/jobs?name=user005.*&\(page)"), Call(path: "/api/v1/jobs?state=failed&queue=Q035&\(page)"),
            Call(path: "/api/v1/jobs?site=SITE1&state=running&\(page)"), Call(path: "/api/v1/jobs?before=\(deep)&\(page)"),
            Call(path: "/api/v1/jobs?owner=user005&since=7d&limit=50&facets=true"),
            Call(path: "/api/v1/job/get_description", body: #"{"job_id":\#(recentJob)}"#),
            Call(path: "/api/v1/tasks?limit=100"), Call(path: "/api/v1/task/get_status", body: #"{"task_id":5}"#),
            Call(path: "/api/v1/factory/pilots?limit=200"), Call(path: "/api/v1/factory/pilots?queue=Q035&state=finished&limit=200"),
            Call(path: "/api/v1/dataset/get_files?name=data.1"),
        ]
    }
}
