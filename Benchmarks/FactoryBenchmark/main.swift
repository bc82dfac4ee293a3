import BenchSupport
import Foundation
import PandaSystem
import TestSupport

// End-to-end benchmark: a real `panda server`, a real `panda factory` and
// the pilots it starts, on this machine. N trivial jobs (/bin/true) are
// queued first; the clock runs from the factory's start until the server
// counts all N finished. Local pilots: the queue has 2 slots. With --slurm
// the same runs through a real Slurm started here (slurm-wlm installed, as
// root), 4 pilots.
//
//   swift build -c release --static-swift-stdlib --product panda
//   swift build -c release --product panda-factory-bench
//   .build/release/panda-factory-bench --panda .build/release/panda --jobs 1000,10000 [--slurm]

let options = BenchmarkOptions()
let panda = options.panda
let jobCounts = options.integers("--jobs", default: [1000, 10000])
let withSlurm = options.has("--slurm")
let localSlots = options.integer("--slots", default: 2)
typealias Failure = BenchmarkError

/// A one-node Slurm on loopback, as the tests start it.
func startSlurm(in directory: String) throws -> (environment: [String: String], pids: [pid_t]) {
    for sub in ["state", "spool", "log"] { try FileManager.default.createDirectory(atPath: directory + "/slurm/" + sub, withIntermediateDirectories: true) }
    let conf = directory + "/slurm/slurm.conf"
    try SlurmConfiguration.text(directory: directory + "/slurm", controllerPort: freePort(), nodePort: freePort())
        .write(toFile: conf, atomically: true, encoding: .utf8)
    let environment = ["SLURM_CONF": conf, "PATH": "/usr/bin:/bin:/usr/sbin"]
    var pids: [pid_t] = []
    for (daemon, extra) in [("/usr/sbin/slurmctld", ["-D", "-c", "-i"]), ("/usr/sbin/slurmd", ["-D", "-c"])] {
        pids.append(try Spawn.start(daemon, extra + ["-f", conf], environment: environment, stdin: "/dev/null",
                                    stdout: "/dev/null", stderr: "/dev/null"))
    }
    for _ in 0..<100 {
        if let info = try? BenchProcess.output(of: "/usr/bin/sinfo", ["-h", "-o", "%T"], environment: environment), info.contains("idle") {
            return (environment, pids)
        }
        usleep(100_000)
    }
    throw Failure("slurm did not start")
}

/// Jobs cancelled and gone first (slurmstepd needs slurmctld to report
/// their end), then slurmd before slurmctld, SIGKILL for stragglers.
func stopSlurm(_ daemons: [pid_t], environment: [String: String], in directory: String) {
    _ = try? BenchProcess.output(of: "/usr/bin/scancel", ["--user=root"], environment: environment)
    for _ in 0..<150 {
        guard let left = try? BenchProcess.output(of: "/usr/bin/squeue", ["-h", "-o", "%i"], environment: environment), !left.isEmpty else { break }
        usleep(200_000)
    }
    for pid in daemons.reversed() {
        kill(pid, SIGTERM)
        var waited = 0
        while waitpid(pid, nil, WNOHANG) == 0 && waited < 100 { usleep(100_000); waited += 1 }
        if waited == 100 { kill(pid, SIGKILL); waitpid(pid, nil, 0) }
    }
}

func benchmark(jobs: Int, slurm: Bool) throws {
    let directory = NSTemporaryDirectory() + "panda-factory-bench-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var slurmDaemons: [pid_t] = []
    var environment = ["PATH": "/usr/bin:/bin:/usr/sbin"]
    if slurm {
        let started = try startSlurm(in: directory)
        environment = started.environment
        slurmDaemons = started.pids
    }
    defer { if slurm { stopSlurm(slurmDaemons, environment: environment, in: directory) } }
    let port = freePort()
    let batch = slurm ? "{ system: slurm, partition: debug }" : "{ system: local, slots: \(localSlots) }"
    let pilots = slurm ? "{ max: 4, queued: 4, per_cycle: 4, walltime: 2h }" : "{ max: \(localSlots), queued: 0, per_cycle: \(localSlots), walltime: 2h }"
    try """
        server: { listen: 127.0.0.1:\(port), database: sqlite:panda.db, signing_key: signing.key, limits: { jobs_per_request: 10000 } }
        factory: { state: \(directory)/factory.db, credential: \(directory)/factory.token }
        pilot: { idle_timeout: 5s, watch_interval: 10s, shared_uid: accept }
        sites:
          S:
            queues:
              BQ: { maxrss: 1GB, maxwdir: 1GB, maxtime: 1h, batch: \(batch), pilots: \(pilots) }
        """.write(toFile: directory + "/panda.yaml", atomically: true, encoding: .utf8)
    let config = directory + "/panda.yaml"
    let server = try BenchProcess.start(panda, ["server", "-c", config], in: directory, log: "server.log", environment: environment)
    defer { server.stop() }
    try server.waitUntilServing(port: port, what: "server")
    let url = "http://127.0.0.1:\(port)"
    let user = try BenchProcess.issueToken(panda, config: config, user: "bench", scope: "submit")
    let factoryToken = try BenchProcess.issueToken(panda, config: config, user: "factory", scope: "factory", queues: ["BQ"])
    FileManager.default.createFile(atPath: directory + "/factory.token", contents: Data(factoryToken.utf8), attributes: [.posixPermissions: 0o600])
    let http = try HTTPClient(port: port)
    var submitted = 0
    while submitted < jobs {
        let count = min(5000, jobs - submitted)
        let body = #"{"jobs":["# + Array(repeating: #"{"payload":{"executable":"/bin/true"},"queue":"BQ"}"#, count: count).joined(separator: ",") + "]}"
        let reply = try http.post("/api/v1/job/submit", token: user, json: body)
        guard reply.status == 200 else { throw Failure("submit: \(reply.status) \(reply.body.text)") }
        submitted += count
    }
    let start = Date()
    let factory = try BenchProcess.start(panda, ["factory", "-c", config, "--server", url, "--cycle", "1s"], in: directory,
                                         log: "factory.log", environment: environment)
    defer { factory.stop() }
    var finished = 0
    while finished < jobs {
        usleep(100_000)
        let summary = try http.get("/api/v1/stats/summary", token: user)
        guard summary.status == 200 else { throw Failure("stats/summary: \(summary.status) \(summary.body.text)") }
        if let range = summary.body.text.range(of: #""finished":"#) {
            finished = Int(summary.body.text[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }
        if Date().timeIntervalSince(start) > 1800 { throw Failure("only \(finished) of \(jobs) finished in 30 minutes: \(factory.tail)") }
    }
    let seconds = Date().timeIntervalSince(start)
    print(String(format: "%@: %d jobs in %.1f s = %.0f jobs/s (from the factory's start, pilot start-up included)",
                 slurm ? "Slurm, 4 pilots" : "local, \(localSlots) slots", jobs, seconds, Double(jobs) / seconds))
    fflush(nil)
}

runBenchmark("panda-factory-bench") {
    for jobs in jobCounts {
        try benchmark(jobs: jobs, slurm: false)
    }
    if withSlurm {
        for jobs in jobCounts { try benchmark(jobs: jobs, slurm: true) }
    }
}
