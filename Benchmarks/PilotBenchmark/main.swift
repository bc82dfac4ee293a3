import BenchSupport
import Foundation

// Pilot benchmark: a real `panda server` and a real `panda pilot` (the
// binaries given), N trivial jobs (/bin/true), one pilot that runs them all
// and exits when the queue is empty. Prints:
//   - pilot overhead per job: the pilot's wall time for the jobs, minus its
//     start-up and exit (measured on an empty queue), minus N × the cost of
//     posix_spawn + wait of /bin/true measured here;
//   - CPU per job (user + system), which a loaded machine changes less than
//     wall time: the pilot's own (wait4's rusage, minus its empty-queue run
//     and its payloads' CPU) and the server's (/proc/PID/stat);
//   - the pilot's peak RSS (wait4's ru_maxrss), and the peak of its own
//     (anonymous) memory, which excludes the executable's file pages that
//     every pilot on a node shares;
//   - time from the pilot's last final report to its exit.
// Once with no storage for logs, once with the log tarball stored to a
// local directory (fsync included).
//
//   swift build -c release --static-swift-stdlib --product panda    (as `make release` ships it)
//   swift build -c release --product panda-pilot-bench
//   .build/release/panda-pilot-bench --panda .build/release/panda --jobs 1000
//   .build/release/panda-pilot-bench --panda .build/release/panda --jobs 300 --strace /tmp/pilot.strace   (system calls)

let options = BenchmarkOptions()
let pandaBinary = options.panda
let jobCount = options.integer("--jobs", default: 1000)
/// How many spawns of /bin/true measure what one costs.
let spawnSamples = max(1, options.integer("--spawn-samples", default: 500))
/// With `--strace FILE`, the measured pilot runs under `strace -f -c -o FILE.nologs|.logs`
/// (system calls per job; its times are then a traced pilot's).
let straceFile = options.string("--strace", default: "")

/// The largest "Anonymous:" figure of /proc/PID/smaps_rollup seen while
/// the process runs: its own memory, without the executable's file pages.
final class AnonymousSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private(set) var peakKiB: Int64 = 0

    init(pid: pid_t) {
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                if let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8),
                   let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Anonymous:") }),
                   let kib = Int64(line.split(separator: " ")[1]) {
                    lock.withLock { peakKiB = max(peakKiB, kib) }
                }
                usleep(20_000)
            }
        }
        thread.start()
    }

    func stop() -> Int64 { lock.withLock { running = false; return peakKiB } }
}

/// Runs a program to its end: stdout, and the wall time and peak RSS of it.
func measure(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
    -> (output: String, seconds: Double, maxRSS: Int64, anonymous: Int64, ended: Date, cpu: Double) {
    var pid: pid_t = 0
    let out = directoryForRun + "/out-\(UUID().uuidString.prefix(6))"
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, out, O_WRONLY | O_APPEND, 0o644)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    var env = ["PATH=/usr/bin:/bin"] + environment.map { "\($0.key)=\($0.value)" }
    let envp = env.map { strdup($0) } + [nil]
    env.removeAll()
    defer { (argv + envp).forEach { free($0) } }
    let start = DispatchTime.now()
    guard posix_spawn(&pid, executable, &actions, nil, argv, envp) == 0 else { throw BenchmarkError("cannot run \(executable)") }
    let sampler = AnonymousSampler(pid: pid)
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    let anonymous = sampler.stop() * 1024
    let ended = Date()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    let output = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    guard status == 0 else { throw BenchmarkError("\(executable) \(arguments.joined(separator: " ")) exited \(status):\n\(output)") }
    return (output, seconds, Int64(usage.ru_maxrss) * 1024, anonymous, ended, cpuSeconds(usage))
}

/// User plus system CPU of a rusage: of a process and the children it reaped.
func cpuSeconds(_ usage: rusage) -> Double {
    Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

let directoryForRun = NSTemporaryDirectory() + "panda-pilot-bench-\(UUID().uuidString.prefix(8))"

/// posix_spawn + wait of /bin/true: what every job costs whoever runs it,
/// in wall time and in the CPU of /bin/true itself.
func spawnCost(samples: Int) throws -> (seconds: Double, cpu: Double) {
    let start = DispatchTime.now()
    var cpu = 0.0
    for _ in 0..<samples { cpu += try measure("/bin/true", []).cpu }
    return (Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 / Double(samples), cpu / Double(samples))
}

func run(withLogs: Bool, spawn: (seconds: Double, cpu: Double)) throws {
    let directory = directoryForRun + (withLogs ? "/logs" : "/nologs")
    try FileManager.default.createDirectory(atPath: directory + "/se", withIntermediateDirectories: true)
    let port = freePort()
    let config = directory + "/panda.yaml"
    try """
        server:
          listen: 127.0.0.1:\(port)
          database: sqlite:panda.db
          signing_key: signing.key
          limits: { jobs_per_request: 10000 }
        pilot:
          watch_interval: 10s
          state_dir: \(directory)/state
          # The pilot's own cost, with payloads run as whoever runs the benchmark.
          shared_uid: accept
        sites:
          S:
            storage:
              SE: { url: \(directory)/se }
            queues:
              BENCH: { copytools: [cp], maxrss: 1GB, maxwdir: 1GB, maxtime: 1h \(withLogs ? ", write_to: SE" : "") }
        """.write(toFile: config, atomically: true, encoding: .utf8)
    let server = try BenchProcess.start(pandaBinary, ["server", "-c", config, "--log-level", "warning"], in: directory, log: "server.log")
    defer { server.stop() }
    try server.waitUntilServing(port: port, what: "server")
    let url = "http://127.0.0.1:\(port)"
    let user = try BenchProcess.issueToken(pandaBinary, config: config, user: "bench", scope: "submit")
    let pilotToken = try BenchProcess.issueToken(pandaBinary, config: config, user: "p", scope: "pilot", queues: ["BENCH"])
    let pilotArguments = ["pilot", "--server", url, "--queue", "BENCH", "-c", config, "--workdir", directory + "/work",
                          "--recovery-dir", directory + "/recovery", "--idle-timeout", "0s"]
    let environment = ["PANDA_PILOT_TOKEN": pilotToken]

    // Start-up and exit with nothing to do, to take out of the per-job figure.
    var empty: [(seconds: Double, cpu: Double)] = []
    for _ in 0..<5 {
        let run = try measure(pandaBinary, pilotArguments, environment: environment)
        empty.append((run.seconds, run.cpu))
    }
    let idle = empty.map(\.seconds).sorted()[2]
    let idleCPU = empty.map(\.cpu).sorted()[2]

    let http = try HTTPClient(port: port)
    var submitted = 0
    while submitted < jobCount {
        let batch = min(10_000, jobCount - submitted)
        let jobs = Array(repeating: #"{"payload":{"executable":"/bin/true"},"queue":"BENCH"}"#, count: batch).joined(separator: ",")
        let reply = try http.post("/api/v1/job/submit", token: user, json: #"{"jobs":[\#(jobs)]}"#)
        guard reply.status == 200 else { throw BenchmarkError("submit: \(reply.status) \(reply.body.text)") }
        submitted += batch
    }
    let serverCPUBefore = cpuSeconds(of: server.pid)
    let pilot = straceFile.isEmpty
        ? try measure(pandaBinary, pilotArguments, environment: environment)
        : try measure("/usr/bin/strace", ["-f", "-c", "-o", straceFile + (withLogs ? ".logs" : ".nologs"), pandaBinary] + pilotArguments,
                      environment: environment)
    let serverCPU = (cpuSeconds(of: server.pid) - serverCPUBefore) / Double(jobCount)
    // The pilot's own CPU per job: its payloads' (/bin/true's) taken out, as its start-up and exit are.
    let pilotCPU = (pilot.cpu - idleCPU) / Double(jobCount) - spawn.cpu
    let finished = pilot.output.components(separatedBy: "reported finished").count - 1
    guard finished == jobCount else { throw BenchmarkError("the pilot finished \(finished) of \(jobCount) jobs:\n\(pilot.output.suffix(2000))") }
    let perJob = (pilot.seconds - idle) / Double(jobCount)
    let lastReport = pilot.output.split(separator: "\n").last { $0.contains("reported finished") }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let reportedAt = lastReport.flatMap { formatter.date(from: String($0.split(separator: " ")[0])) }
    let exitAfter = reportedAt.map { pilot.ended.timeIntervalSince($0) } ?? .nan
    print(String(format: "%@: %d jobs in %.2f s (%.0f jobs/s); per job %.2f ms, of which spawn+wait of /bin/true %.2f ms: "
                 + "pilot overhead %.2f ms/job; CPU per job: pilot %.2f ms, server %.2f ms; "
                 + "pilot peak RSS %.1f MB (anonymous %.1f MB); last report to exit %.0f ms; empty-queue run %.0f ms",
                 withLogs ? "log tarball stored" : "no log storage", jobCount, pilot.seconds, Double(jobCount) / pilot.seconds,
                 perJob * 1000, spawn.seconds * 1000, (perJob - spawn.seconds) * 1000, pilotCPU * 1000, serverCPU * 1000,
                 Double(pilot.maxRSS) / 1e6, Double(pilot.anonymous) / 1e6, exitAfter * 1000, idle * 1000))
}

runBenchmark("panda-pilot-bench") {
    try FileManager.default.createDirectory(atPath: directoryForRun, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directoryForRun) }
    let spawn = try spawnCost(samples: spawnSamples)
    try run(withLogs: false, spawn: spawn)
    try run(withLogs: true, spawn: spawn)
}
