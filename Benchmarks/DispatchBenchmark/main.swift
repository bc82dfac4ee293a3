import BenchSupport
import Foundation

// Dispatch benchmark: starts a real `panda server` (the binary given, on a
// fresh SQLite file with synchronous=FULL, or on a PostgreSQL database given
// with --database, then as --servers N processes sharing it), queues jobs,
// and runs N simulated pilots that each loop acquire → update running →
// update finished over keep-alive HTTP, spread over the servers. Prints
// dispatches/s and acquire latency percentiles.
//
//   swift build -c release --product panda && swift build -c release --product panda-dispatch-bench
//   (one build with two --product flags builds only the last)
//   .build/release/panda-dispatch-bench --panda .build/release/panda --jobs 1000,100000 --pilots 32 [--acquire-keys off]
//   .build/release/panda-dispatch-bench --panda .build/release/panda --jobs 20000 --database postgres://panda@/bench?host=/tmp/pg --servers 2
//   .build/release/panda-dispatch-bench --panda .build/release/panda --task-jobs 10000,100000   (TaskSubmission.swift)
//   .build/release/panda-dispatch-bench --panda .build/release/panda --running-jobs 100000 --poll 60   (CommandPollBenchmark.swift)

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
        usage: panda-dispatch-bench [--panda PATH] [--jobs N,N...] [--pilots P] [--n-jobs K] [--acquire-keys on|off]
                                    [--database postgres://... [--servers N] [--database-pool N]]
                                    [--task-jobs N,N...] [--running-jobs N --poll S --seconds S]
          --panda PATH          the panda binary to start as the server (default .build/release/panda)
          --jobs N,N...         queued jobs per dispatch run (default 1000,100000)
          --pilots P            simulated pilots, one keep-alive connection each (default 32)
          --n-jobs K            jobs asked for per acquire (default 1)
          --acquire-keys on|off each acquire carries a fresh Idempotency-Key, as PandaClient sends (on, the
                                default), or none (off), to compare keyed with unkeyed dispatch
          --database URL        a PostgreSQL database for the servers instead of a fresh SQLite file; runs
                                add their jobs to it (every earlier one ends finished), so start it empty
          --servers N           servers on that database, pilots spread over them (default 1)
          --database-pool N     each server's server.database_pool (default: the server's own default)
          --task-jobs N,N...    measure task/submit of N jobs instead (TaskSubmission.swift)
          --running-jobs N      measure pilot/get_command polls over N running jobs (CommandPollBenchmark.swift)
        """)
    exit(0)
}
let options = BenchmarkOptions(arguments)
func option(_ name: String, _ fallback: String) -> String { options.string(name, default: fallback) }
let pandaBinary = options.panda
let jobCounts = options.integers("--jobs", default: [1000, 100000])
let pilotCount = options.integer("--pilots", default: 32)
let jobsPerAcquire = options.integer("--n-jobs", default: 1)
/// Whether acquires carry an Idempotency-Key (PandaClient always sends one).
let keyedAcquires = option("--acquire-keys", "on") != "off"
/// A PostgreSQL database the servers share instead of a fresh SQLite file each.
let sharedDatabase = option("--database", "")
let serverCount = max(1, Int(option("--servers", "1")) ?? 1)
/// Each server's `database_pool` on PostgreSQL (empty: the server's default).
let databasePool = option("--database-pool", "")
if serverCount > 1 && !sharedDatabase.hasPrefix("postgres") {
    print("panda-dispatch-bench: --servers above 1 needs --database postgres://...: servers share one database")
    exit(2)
}
/// Task submission sizes; given alone, only tasks are measured.
let taskJobCounts = option("--task-jobs", "").split(separator: ",").compactMap { Int($0) }
/// Jobs held running for the command-poll measurement; given alone, only that is measured.
let runningJobCounts = option("--running-jobs", "").split(separator: ",").compactMap { Int($0) }

final class Results: @unchecked Sendable {
    private let lock = NSLock()
    var latencies: [Double] = []
    var dispatched = 0
    var requests = 0
    var errors = 0
    var busy = 0
    func add(latencies more: [Double], dispatched n: Int, requests r: Int, errors e: Int, busy b: Int) {
        lock.withLock { latencies += more; dispatched += n; requests += r; errors += e; busy += b }
    }
}

/// Release `panda server`s (one, or `--servers` on a shared PostgreSQL)
/// in their own directory, sharing its signing key, with one or more BENCH
/// queues; stopped and removed by `stop()`.
final class BenchServer {
    let directory = NSTemporaryDirectory() + "panda-bench-\(UUID().uuidString.prefix(8))"
    let ports: [Int] = (0..<serverCount).map { _ in freePort() }
    var port: Int { ports[0] }
    var config: String { directory + "/panda-0.yaml" }
    private var processes: [BenchProcess] = []
    private(set) var connection: HTTPClient!
    var pid: Int32 { processes[0].pid }

    init(queues: [String]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            // One at a time: the first makes the signing key the others read.
            for (index, port) in ports.enumerated() {
                try start(index, port: port, queues: queues)
            }
            connection = try HTTPClient(port: port)
        } catch {
            stop()
            throw error
        }
    }

    private func start(_ index: Int, port: Int, queues: [String]) throws {
        let config = directory + "/panda-\(index).yaml"
        try """
            server:
              listen: 127.0.0.1:\(port)
              database: \(sharedDatabase.isEmpty ? "sqlite:panda.db" : sharedDatabase)
            \(databasePool.isEmpty ? "" : "  database_pool: \(databasePool)")
              signing_key: signing.key
              limits: { jobs_per_request: 10000, request_body: 64MiB }
            sites:
              BENCH:
                storage: { DISK: { url: /tmp/bench } }
                queues:
            \(queues.map { "      \($0): { read_from: [DISK], write_to: DISK, copytools: [cp], corecount: 8, maxrss: 16GB }" }.joined(separator: "\n"))
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try BenchProcess.start(pandaBinary, ["server", "-c", config, "--log-level", "warning"], in: directory,
                                             log: "server-\(index).log")
        processes.append(process)
        try process.waitUntilServing(port: port, what: "server \(index)")
    }

    func token(_ user: String, scope: String, queue: String? = nil) throws -> String {
        try BenchProcess.issueToken(pandaBinary, config: config, user: user, scope: scope, queues: queue.map { [$0] } ?? [])
    }

    func stop() {
        for process in processes { process.stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

func benchmark(jobs: Int) throws {
    let bench = try BenchServer(queues: ["BENCH_Q"])
    defer { bench.stop() }
    let ports = bench.ports
    let user = try bench.token("bench", scope: "submit")
    let pilotToken = try bench.token("pilot", scope: "pilot", queue: "BENCH_Q")
    let submitter: HTTPClient = bench.connection

    let job = #"{"payload":{"executable":"/bin/true"},"resources":{"cores":1,"memory":"1GB","walltime":"1h"}}"#
    let submitStart = Date()
    var queued = 0
    while queued < jobs {
        let n = min(10_000, jobs - queued)
        let body = Array((#"{"jobs":["# + Array(repeating: job, count: n).joined(separator: ",") + "]}").utf8)
        let reply = try submitter.post("/api/v1/job/submit", token: user, body: body, key: idempotencyKey())
        guard reply.status == 200 else { throw BenchmarkError("submit: \(reply.status) \(String(decoding: reply.body, as: UTF8.self))") }
        queued += n
    }
    let submitSeconds = Date().timeIntervalSince(submitStart)

    let results = Results()
    let acquire = Array(#"{"queue":"BENCH_Q","node":"bench","cores":8,"memory":"16GB","disk":"100GB","remaining":"24h","n_jobs":\#(jobsPerAcquire)}"#.utf8)
    let start = Date()
    let group = DispatchGroup()
    for pilot in 0..<pilotCount {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            guard let connection = try? HTTPClient(port: ports[pilot % ports.count]) else { return }
            var latencies: [Double] = [], dispatched = 0, requests = 0, errors = 0, busy = 0
            while true {
                let t0 = DispatchTime.now().uptimeNanoseconds
                // A fresh key per acquire, as a pilot's PandaClient sends: the server remembers each claim.
                let key = keyedAcquires ? idempotencyKey() : nil
                guard let reply = try? connection.post("/api/v1/pilot/acquire_jobs", token: pilotToken, body: acquire, key: key) else { errors += 1; break }
                latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                requests += 1
                if reply.status == 429 { busy += 1; continue }
                guard reply.status == 200,
                      let object = try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any],
                      let data = object["data"] as? [String: Any], let jobs = data["jobs"] as? [[String: Any]] else { errors += 1; break }
                if jobs.isEmpty { break }
                dispatched += jobs.count
                for job in jobs {
                    let id = job["id"] as! Int, lease = job["lease"] as! String
                    for state in ["running", "finished"] {
                        let update = Array(#"{"job_id":\#(id),"attempt":1,"lease":"\#(lease)","state":"\#(state)"}"#.utf8)
                        if (try? connection.post("/api/v1/pilot/update_job", token: pilotToken, body: update))?.status != 200 { errors += 1 }
                        requests += 1
                    }
                }
            }
            results.add(latencies: latencies, dispatched: dispatched, requests: requests, errors: errors, busy: busy)
        }
    }
    group.wait()
    let seconds = Date().timeIntervalSince(start)
    let sorted = results.latencies.sorted()
    let backend = sharedDatabase.isEmpty ? "sqlite" : "postgres x\(serverCount)"
    print(String(format: "\(backend) | jobs %7d  pilots %3d  n_jobs %d  keys \(keyedAcquires ? "on " : "off") | submit %6.0f jobs/s | dispatch %7.0f jobs/s, %7.0f requests/s | acquire p50 %6.2f ms  p99 %6.2f ms | errors %d, 429s %d",
                 jobs, pilotCount, jobsPerAcquire, Double(jobs) / submitSeconds, Double(results.dispatched) / seconds,
                 Double(results.requests) / seconds,
                 percentile(sorted, 0.5), percentile(sorted, 0.99), results.errors, results.busy))
    // Figures from a run that lost jobs or requests would mislead: such a run fails.
    guard results.dispatched == jobs, results.errors == 0 else {
        throw BenchmarkError("dispatched \(results.dispatched) of \(jobs) jobs, \(results.errors) request(s) failed")
    }
}

runBenchmark("panda-dispatch-bench") {
    if (taskJobCounts.isEmpty && runningJobCounts.isEmpty) || arguments.contains("--jobs") {
        for jobs in jobCounts {
            try benchmark(jobs: jobs)
        }
    }
    for jobs in taskJobCounts {
        try benchmarkTask(jobs: jobs)
    }
    for jobs in runningJobCounts {
        try benchmarkRunningJobs(jobs: jobs, pollSeconds: Double(option("--poll", "60")) ?? 60, seconds: Double(option("--seconds", "15")) ?? 15)
    }
}
