import BenchSupport
import Foundation

// Monitor benchmark: fills a real `panda server`'s SQLite file with N jobs
// (200 queues, 500 users, 30 days, the usual states and errors; StoreFill),
// reports 5,000 pilots through the real factory API, starts the real
// `panda monitor` on it, and requests every page, as HTML and as JSON, with
// typical filters. Prints p50/p99 of each page's time as the monitor serves
// it, and of each server call behind the pages, at every size asked for.
//
//   swift build -c release --product panda --product panda-monitor-bench
//   .build/release/panda-monitor-bench --panda .build/release/panda --jobs 10000,1000000 --rounds 40

let options = BenchmarkOptions()
let pandaBinary = options.panda
let jobCounts = options.integers("--jobs", default: [10000, 1000000])
let rounds = max(1, options.integer("--rounds", default: 40))
/// Keep the filled site's directory (to look at the database afterwards).
let keep = options.has("--keep")

func milliseconds(_ body: () throws -> Int) rethrows -> (ms: Double, status: Int) {
    let t0 = DispatchTime.now().uptimeNanoseconds
    let status = try body()
    return (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6, status)
}

/// One line of figures: p50 and p99 over the rounds, and any status that was not 200.
func report(_ label: String, _ times: [Double], _ statuses: Set<Int>) -> String {
    let sorted = times.sorted()
    let bad = statuses.subtracting([200])
    return "  " + label.padding(toLength: max(58, label.count), withPad: " ", startingAt: 0)
        + String(format: " p50 %7.2f ms  p99 %7.2f ms", percentile(sorted, 0.5), percentile(sorted, 0.99))
        + (bad.isEmpty ? "" : "  status \(bad.sorted())")
}

func benchmark(jobs: Int) throws {
    let site = try BenchSite(panda: pandaBinary)
    defer { if keep { print("  kept \(site.directory)") } else { site.remove() } }
    let now = Date().timeIntervalSince1970

    // A real submission first: the server makes and migrates the file, and job 1's spec is everyone's.
    try site.startServer()
    let user = try site.token("user001", scope: "submit")
    let first = try HTTPClient(port: site.serverPort).post("/api/v1/job/submit", token: user, json: """
        {"jobs":[{"name":"user001.single.1","queue":"Q000","payload":{"executable":"/bin/sh","arguments":["-c","echo 42 events"]},
        "resources":{"cores":1,"memory":"2GB","walltime":"1h"}}]}
        """)
    guard first.status == 200 else { throw BenchmarkError("submit: \(first.status) \(String(decoding: first.body, as: UTF8.self))") }
    site.stopServer()

    let fillStart = Date()
    try StoreFill(path: site.database, jobs: jobs, now: now).run()
    let fillSeconds = Date().timeIntervalSince(fillStart)
    let size = (try? FileManager.default.attributesOfItem(atPath: site.database)[.size] as? Int) ?? 0
    print(String(format: "jobs %d: filled in %.1f s, database %.0f MB", jobs, fillSeconds, Double(size) / 1e6))

    try site.startServer()
    let factory = try site.token("factory-bench", scope: "factory", queues: BenchSite.queues)
    let pilots = pilotReport(jobs: jobs, now: now)
    let reported = try HTTPClient(port: site.serverPort).post("/api/v1/factory/report_pilots", token: factory, json: pilots)
    guard reported.status == 200 else { throw BenchmarkError("report_pilots: \(reported.status) \(String(decoding: reported.body, as: UTF8.self))") }
    try site.startMonitor()

    let monitor = try HTTPClient(port: site.monitorPort)
    let pages = Workload(jobs: jobs).pages
    // A page or call that does not answer 200 is a broken benchmark (or monitor): the run fails after printing.
    var failing: [String] = []
    // One round unmeasured: the first view of a page warms the reader's caches, as any page viewed before would.
    for page in pages { _ = try monitor.get(page) }
    print("  monitor pages (HTML | JSON):")
    for page in pages {
        var html: [Double] = [], json: [Double] = []
        var statuses = Set<Int>()
        for _ in 0..<rounds {
            let a = try milliseconds { try monitor.get(page).status }
            let b = try milliseconds { try monitor.get(page, accept: "application/json").status }
            html.append(a.ms); json.append(b.ms)
            statuses.formUnion([a.status, b.status])
        }
        if statuses != [200] { failing.append(page) }
        print(report(page, html, statuses) + String(format: "  | JSON p50 %7.2f ms  p99 %7.2f ms", percentile(json.sorted(), 0.5), percentile(json.sorted(), 0.99)))
    }

    let reader = try site.token("reader", scope: "read")
    let server = try HTTPClient(port: site.serverPort)
    print("  server calls behind them:")
    for call in Workload(jobs: jobs).serverCalls {
        var times: [Double] = []
        var statuses = Set<Int>()
        for round in 0...rounds {
            let t = try milliseconds {
                if let body = call.body { return try server.post(call.path, token: reader, json: body).status }
                return try server.get(call.path, token: reader).status
            }
            if round > 0 { times.append(t.ms); statuses.insert(t.status) }
        }
        if statuses != [200] { failing.append(call.path) }
        print(report((call.body == nil ? "GET " : "POST ") + call.path + (call.body.map { " " + $0 } ?? ""), times, statuses))
    }
    guard failing.isEmpty else { throw BenchmarkError("not answered 200: \(failing.joined(separator: ", "))") }
}

/// What a factory serving every queue reports: counts per queue, and one
/// record per pilot of the newest 25 pilot windows of each queue (5,000 at a
/// million jobs), the names the jobs carry, so "jobs run" has something to show.
func pilotReport(jobs: Int, now: Double) -> String {
    let newest = (jobs - 1) / StoreFill.pilotWindow
    var records: [String] = []
    var batchID = 100_000
    for window in stride(from: newest, through: max(0, newest - 24), by: -1) {
        for queue in BenchSite.queues {
            batchID += 1
            let age = Double(newest - window) * 3600
            let state = window == newest ? "running" : "finished"
            let end = window == newest ? "" : #","ended_at":\#(now - age + 3000),"exit_code":0"#
            records.append(#"{"batch_id":"\#(batchID)","name":"panda-\#(queue)-\#(window)","queue":"\#(queue)","batch_system":"slurm","state":"\#(state)","submitted_at":\#(now - age - 600),"started_at":\#(now - age)\#(end)}"#)
        }
    }
    let queues = BenchSite.queues.map { #"{"queue":"\#($0)","batch_system":"slurm","queued":2,"running":1,"held":0,"finished":24,"failed":1}"# }
    return #"{"factory":"bench","queues":[\#(queues.joined(separator: ","))],"pilots":[\#(records.joined(separator: ","))]}"#
}

runBenchmark("panda-monitor-bench") {
    for jobs in jobCounts {
        try benchmark(jobs: jobs)
    }
}
