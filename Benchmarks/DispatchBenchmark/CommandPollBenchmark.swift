import BenchSupport
import Foundation

// Kill-latency cost: N jobs dispatched and held (as N running pilots would),
// then pilot/get_command polls — and, for comparison, heartbeats
// (pilot/update_job running, a durable write) — over keep-alive connections
// for a few seconds each. Prints requests/s and the server's CPU per request
// (from /proc/PID/stat), and what polling every --poll seconds costs at N jobs.
//
//   .build/release/panda-dispatch-bench --panda .build/release/panda --running-jobs 100000 --poll 60

func benchmarkRunningJobs(jobs: Int, pollSeconds: Double, seconds: Double) throws {
    let bench = try BenchServer(queues: ["BENCH_Q"])
    defer { bench.stop() }
    let user = try bench.token("bench", scope: "submit")
    let pilotToken = try bench.token("pilot", scope: "pilot", queue: "BENCH_Q")
    let job = #"{"payload":{"executable":"/bin/true"},"resources":{"cores":1,"memory":"1GB","walltime":"1h"}}"#
    var queued = 0
    while queued < jobs {
        let n = min(10_000, jobs - queued)
        let body = Array((#"{"jobs":["# + Array(repeating: job, count: n).joined(separator: ",") + "]}").utf8)
        guard try bench.connection.post("/api/v1/job/submit", token: user, body: body).status == 200 else { throw BenchmarkError("submit failed") }
        queued += n
    }
    // Every job dispatched and reported running once: the state 100k live pilots leave.
    var held: [(id: Int, lease: String)] = []
    let acquire = Array(#"{"queue":"BENCH_Q","node":"bench","cores":8,"memory":"16GB","disk":"100GB","remaining":"24h","n_jobs":100}"#.utf8)
    while held.count < jobs {
        let reply = try bench.connection.post("/api/v1/pilot/acquire_jobs", token: pilotToken, body: acquire)
        guard reply.status == 200, let object = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any],
              let data = object["data"] as? [String: Any], let got = data["jobs"] as? [[String: Any]], !got.isEmpty else {
            throw BenchmarkError("acquire: \(reply.status)")
        }
        for item in got {
            let id = item["id"] as! Int, lease = item["lease"] as! String
            held.append((id, lease))
            let running = Array(#"{"job_id":\#(id),"attempt":1,"lease":"\#(lease)","state":"running"}"#.utf8)
            _ = try bench.connection.post("/api/v1/pilot/update_job", token: pilotToken, body: running)
        }
    }
    let all = held
    let port = bench.port
    for (name, path, extra) in [
        ("get_command (poll)", "/api/v1/pilot/get_command", ""),
        ("update_job running (heartbeat)", "/api/v1/pilot/update_job", #","state":"running""#),
    ] {
        let results = Results()
        let cpuBefore = cpuSeconds(of: bench.pid)
        let start = Date()
        let group = DispatchGroup()
        for thread in 0..<pilotCount {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                guard let connection = try? HTTPClient(port: port) else { return }
                var requests = 0, errors = 0, index = thread
                while Date().timeIntervalSince(start) < seconds {
                    let target = all[index % all.count]
                    index += pilotCount
                    let body = #"{"job_id":\#(target.id),"attempt":1,"lease":"\#(target.lease)"\#(extra)}"#
                    let reply = try? connection.post(path, token: pilotToken, body: Array(body.utf8))
                    requests += 1
                    if reply?.status != 200 { errors += 1 }
                }
                results.add(latencies: [], dispatched: 0, requests: requests, errors: errors, busy: 0)
            }
        }
        group.wait()
        let elapsed = Date().timeIntervalSince(start)
        let cpu = cpuSeconds(of: bench.pid) - cpuBefore
        let perRequest = cpu / Double(max(1, results.requests))
        let rate = Double(jobs) / pollSeconds
        print(String(format: "running jobs %7d | %@: %7.0f requests/s, server CPU %5.0f µs/request, errors %d | every %.0f s at %d jobs: %6.0f requests/s, %.2f cores",
                     jobs, name, Double(results.requests) / elapsed, perRequest * 1e6, results.errors, pollSeconds, jobs, rate, rate * perRequest))
        guard results.errors == 0, results.requests > 0 else { throw BenchmarkError("\(name): \(results.errors) of \(results.requests) requests failed") }
    }
}
