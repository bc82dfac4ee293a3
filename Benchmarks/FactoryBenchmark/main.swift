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

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex else { return fallback }
    return arguments[arguments.index(after: index)]
}
let panda = URL(fileURLWithPath: option("--panda", ".build/release/panda")).standardizedFileURL.path
let jobCounts = option("--jobs", "1000,10000").split(separator: ",").compactMap { Int($0) }
let withSlurm = arguments.contains("--slurm")
let localSlots = Int(option("--slots", "2")) ?? 2

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command to its end and returns its stdout.
func run(_ executable: String, _ arguments: [String], environment: [String: String] = ["PATH": "/usr/bin:/bin:/usr/sbin"],
         in directory: String) throws -> String {
    let out = directory + "/cmd-\(UUID().uuidString.prefix(6)).out"
    defer { unlink(out) }
    let pid = try Spawn.start(executable, arguments, environment: environment, stdin: "/dev/null", stdout: out, stderr: out)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let text = SmallFile.text(out) ?? ""
    guard Spawn.exitCode(status) == 0 else { throw Failure("\(executable) \(arguments.joined(separator: " ")): \(text)") }
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
}

func freePort() -> Int { 30000 + Int.random(in: 0..<20000) }

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
        if let info = try? run("/usr/bin/sinfo", ["-h", "-o", "%T"], environment: environment, in: directory), info.contains("idle") {
            return (environment, pids)
        }
        usleep(100_000)
    }
    throw Failure("slurm did not start")
}

/// Jobs cancelled and gone first (slurmstepd needs slurmctld to report
/// their end), then slurmd before slurmctld, SIGKILL for stragglers.
func stopSlurm(_ daemons: [pid_t], environment: [String: String], in directory: String) {
    _ = try? run("/usr/bin/scancel", ["--user=root"], environment: environment, in: directory)
    for _ in 0..<150 {
        guard let left = try? run("/usr/bin/squeue", ["-h", "-o", "%i"], environment: environment, in: directory), !left.isEmpty else { break }
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
        pilot: { idle_timeout: 5s, watch_interval: 10s }
        sites:
          S:
            queues:
              BQ: { maxrss: 1GB, maxwdir: 1GB, maxtime: 1h, batch: \(batch), pilots: \(pilots) }
        """.write(toFile: directory + "/panda.yaml", atomically: true, encoding: .utf8)
    let config = directory + "/panda.yaml"
    let server = try Spawn.start(panda, ["server", "-c", config], environment: environment, stdin: "/dev/null",
                                 stdout: directory + "/server.log", stderr: directory + "/server.log", directory: directory)
    defer { kill(server, SIGTERM); waitpid(server, nil, 0) }
    let url = "http://127.0.0.1:\(port)"
    while (try? run("/usr/bin/curl", ["-sf", url + "/healthz"], in: directory)) == nil { usleep(50_000) }
    let user = try run(panda, ["token", "issue", "-c", config, "--user", "bench", "--scope", "submit"], in: directory)
    let factoryToken = try run(panda, ["token", "issue", "-c", config, "--user", "factory", "--scope", "factory", "--queue", "BQ"], in: directory)
    FileManager.default.createFile(atPath: directory + "/factory.token", contents: Data(factoryToken.utf8), attributes: [.posixPermissions: 0o600])
    var submitted = 0
    while submitted < jobs {
        let count = min(5000, jobs - submitted)
        let body = #"{"jobs":["# + Array(repeating: #"{"payload":{"executable":"/bin/true"},"queue":"BQ"}"#, count: count).joined(separator: ",") + "]}"
        try body.write(toFile: directory + "/jobs.json", atomically: true, encoding: .utf8)
        _ = try run("/usr/bin/curl", ["-sf", "-H", "Authorization: Bearer \(user)", "-d", "@" + directory + "/jobs.json", url + "/api/v1/job/submit"],
                    in: directory)
        submitted += count
    }
    let start = Date()
    let factory = try Spawn.start(panda, ["factory", "-c", config, "--server", url, "--cycle", "1s"], environment: environment,
                                  stdin: "/dev/null", stdout: directory + "/factory.log", stderr: directory + "/factory.log", directory: directory)
    defer { kill(factory, SIGTERM); waitpid(factory, nil, 0) }
    var finished = 0
    while finished < jobs {
        usleep(100_000)
        let summary = try run("/usr/bin/curl", ["-sf", "-H", "Authorization: Bearer \(user)", url + "/api/v1/stats/summary"], in: directory)
        if let range = summary.range(of: #""finished":"#) {
            finished = Int(summary[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }
        if Date().timeIntervalSince(start) > 1800 { throw Failure("only \(finished) of \(jobs) finished in 30 minutes") }
    }
    let seconds = Date().timeIntervalSince(start)
    print(String(format: "%@: %d jobs in %.1f s = %.0f jobs/s (from the factory's start, pilot start-up included)",
                 slurm ? "Slurm, 4 pilots" : "local, \(localSlots) slots", jobs, seconds, Double(jobs) / seconds))
    fflush(nil)
}

for jobs in jobCounts {
    try benchmark(jobs: jobs, slurm: false)
}
if withSlurm {
    for jobs in jobCounts { try benchmark(jobs: jobs, slurm: true) }
}
