import Foundation
import TestSupport
import PandaSystem

/// A real Slurm cluster of one node on this host: slurmctld and slurmd from
/// Debian's slurm-wlm, started by the test from a generated slurm.conf on
/// free ports, state under a temporary directory, and stopped after.
/// auth/none keeps munge out of it; the partition oversubscribes so many
/// pilots share the node's two cores.
final class SlurmCluster: @unchecked Sendable {
    let directory: String
    let confPath: String
    private var daemons: [ChildProcess] = []

    init() throws {
        directory = NSTemporaryDirectory() + "panda-slurm-\(UUID().uuidString.prefix(8))"
        for sub in ["state", "spool", "log"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
        confPath = directory + "/slurm.conf"
        try SlurmConfiguration.text(directory: directory, controllerPort: try ServerProcess.freePort(), nodePort: try ServerProcess.freePort())
            .write(toFile: confPath, atomically: true, encoding: .utf8)
    }

    var environment: [String: String] { ["SLURM_CONF": confPath, "PATH": "/usr/bin:/bin:/usr/sbin"] }

    func start() throws {
        for (daemon, arguments) in [("/usr/sbin/slurmctld", ["-D", "-c", "-i"]), ("/usr/sbin/slurmd", ["-D", "-c"])] {
            guard FileManager.default.isExecutableFile(atPath: daemon) else {
                throw ServerProcessError("\(daemon) is not installed; make deps installs slurm-wlm")
            }
            daemons.append(try ChildProcess.spawn(daemon, arguments + ["-f", confPath], environment: environment))
        }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let info = try PandaProcess.runTool("/usr/bin/sinfo", ["-h", "-o", "%T"], environment: environment)
            if info.status == 0, info.stdout.contains("idle") || info.stdout.contains("mix") || info.stdout.contains("alloc") { return }
            usleep(100_000)
        }
        throw ServerProcessError("slurm did not come up: \(log)")
    }

    var log: String {
        ["slurmctld", "slurmd"].map { (try? String(contentsOfFile: directory + "/log/\($0).log", encoding: .utf8)) ?? "" }.joined(separator: "\n")
    }

    func run(_ command: String, _ arguments: [String]) throws -> PandaProcess.Result {
        try PandaProcess.runTool("/usr/bin/" + command, arguments, environment: environment)
    }

    /// Cancels every job and waits for them to leave (slurmstepd needs
    /// slurmctld to report their end), then stops slurmd before slurmctld,
    /// with SIGKILL for whatever does not stop, and removes the state.
    func stop() {
        _ = try? run("scancel", ["--user=root"])
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, let left = try? run("squeue", ["-h", "-o", "%i"]), left.status == 0, !left.stdout.isEmpty {
            usleep(200_000)
        }
        for daemon in daemons.reversed() {
            daemon.signal(SIGTERM)
            if daemon.wait(timeout: 10) == nil { daemon.kill9() }
        }
        daemons.removeAll()
        killStrayStepDaemons(conf: confPath)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// slurmstepd processes of a cluster whose daemons are gone: found by the
/// SLURM_CONF in their environment, and killed.
func killStrayStepDaemons(conf: String) {
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = pid_t(entry), let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
              String(decoding: environ, as: UTF8.self).contains("SLURM_CONF=\(conf)") else { continue }
        kill(pid, SIGKILL)
    }
}
