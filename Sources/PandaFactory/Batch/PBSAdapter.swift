import Foundation
import PandaConfig
import PandaCore

/// PBS (OpenPBS / PBS Pro): `qsub` per pilot (it prints "SEQ.SERVER"),
/// `qstat -f -F json -x` for queued, running and finished jobs at once,
/// `qdel`. Torque's qstat has no JSON output and its resource syntax
/// differs (`nodes=1:ppn=N`); give Torque queues their `-l` in `batch.args`.
///
/// ```swift
/// PBSAdapter.state("F", exit: 271)   // .failed("killed by signal 15")
/// ```
struct PBSAdapter: BatchAdapter {
    let runner: CommandRunner
    var system: BatchSystem { .pbs }

    func submit(_ launches: [PilotLaunch], queue: QueueConfig, submitted: (Int, String) -> Void) async throws(BatchError) {
        for (index, launch) in launches.enumerated() {
            let script = try PilotScript(launch: launch, directives: Self.directives(launch, batch: queue.batch), redirectOutput: true)
                .write(named: "pilot.pbs", command: "qsub")
            let output = try await runner.check("qsub", (queue.batch?.args ?? []) + [script])
            submitted(index, try Self.parseSubmit(output.stdout))
        }
    }

    /// Output to /dev/null: the script sends its own where the node can write.
    static func directives(_ launch: PilotLaunch, batch: BatchConfig?) -> [String] {
        let seconds = launch.walltime.milliseconds / 1000
        var lines = [
            "#PBS -N \(launch.name)",
            "#PBS -o /dev/null",
            "#PBS -e /dev/null",
            String(format: "#PBS -l walltime=%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60),
            "#PBS -l select=1:ncpus=\(launch.cores):mem=\(max(1, launch.memory.bytes / 1_048_576))mb",
        ]
        if let queue = batch?.queue { lines.append("#PBS -q \(queue)") }
        if let account = batch?.account { lines.append("#PBS -A \(account)") }
        return lines
    }

    static func parseSubmit(_ text: String) throws(BatchError) -> String {
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let sequence = id.split(separator: ".").first, !sequence.isEmpty, sequence.allSatisfy({ $0.isNumber || $0 == "[" || $0 == "]" }) else {
            throw BatchError.unreadable(command: "qsub", detail: "expected SEQ.SERVER, got '\(text.prefix(200))'")
        }
        return id
    }

    func status(of ids: [String]) async throws(BatchError) -> [String: PilotBatchState] {
        guard !ids.isEmpty else { return [:] }
        // Unknown ids (purged from history) make qstat exit non-zero while it
        // still prints the jobs it knows.
        let output = try await runner.run("qstat", ["-f", "-F", "json", "-x"] + ids)
        let known = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if known.isEmpty {
            if output.status == 0 || output.stderr.contains("Unknown Job Id") { return [:] }
            throw BatchError.commandFailed(command: "qstat", detail: "exit \(output.status): \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return try Self.parseStatus(known)
    }

    /// `{"Jobs": {"ID": {"job_state": "R", "Exit_status": 0, ...}}}`.
    static func parseStatus(_ text: String) throws(BatchError) -> [String: PilotBatchState] {
        guard let root = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw BatchError.unreadable(command: "qstat", detail: "not JSON: \(text.prefix(200))")
        }
        guard let jobs = root["Jobs"] as? [String: [String: Any]] else { return [:] }
        var states: [String: PilotBatchState] = [:]
        for (id, job) in jobs {
            guard let letter = job["job_state"] as? String else { continue }
            states[id] = state(letter, exit: job["Exit_status"] as? Int, comment: job["comment"] as? String)
        }
        return states
    }

    /// job_state letters (B array begun, E exiting, F finished, H held,
    /// M moved, Q queued, R running, S suspended, T transiting, U suspended
    /// for the workstation, W waiting, X subjob finished). Exit_status: 0–255
    /// the script's exit, ≥ 256 killed by signal (status − 256), < 0 a PBS
    /// JOB_EXEC_* code.
    static func state(_ letter: String, exit: Int?, comment: String? = nil) -> PilotBatchState {
        switch letter {
        case "Q", "W", "T", "M": return .queued
        case "R", "E", "B": return .running
        case "H": return .held(reason: comment ?? "held")
        case "S", "U": return .held(reason: "suspended")
        case "F", "X":
            guard let exit else { return .failed(reason: "finished in PBS without an exit status" + (comment.map { ": \($0)" } ?? "")) }
            if exit < 0 {
                let name = execCodes[exit].map { "\($0.name), \($0.text)" } ?? "PBS error \(exit)"
                return .failed(reason: name + (comment.map { ": \($0)" } ?? ""))
            }
            if exit >= 256 { return .failed(reason: "killed by signal \(WaitStatus.name(exit - 256))") }
            return .done(exit: exit)
        default: return .unknown(letter)
        }
    }

    /// PBS Professional's JOB_EXEC_* exit statuses an operator meets most.
    static let execCodes: [Int: (name: String, text: String)] = [
        -1: ("JOB_EXEC_FAIL1", "the job could not start (before its files were staged)"),
        -2: ("JOB_EXEC_FAIL2", "the job could not start (after its files were staged)"),
        -3: ("JOB_EXEC_RETRY", "the job could not start; PBS retries it"),
        -4: ("JOB_EXEC_INITABT", "the job was aborted on MoM initialisation"),
        -24: ("JOB_EXEC_KILL_NCPUS_BURST", "killed for using more CPUs than requested"),
        -25: ("JOB_EXEC_KILL_NCPUS_SUM", "killed for using more CPUs than requested"),
        -26: ("JOB_EXEC_KILL_VMEM", "killed for using more virtual memory than requested"),
        -27: ("JOB_EXEC_KILL_MEM", "killed for using more memory than requested"),
        -28: ("JOB_EXEC_KILL_CPUT", "killed for using more CPU time than requested"),
        -29: ("JOB_EXEC_KILL_WALLTIME", "killed at its walltime"),
    ]

    /// Pilots by job name: `qselect -x -N NAME` for each (they are few: only
    /// those a factory did not live to record).
    func find(_ names: [String]) async throws(BatchError) -> [String: String] {
        var found: [String: String] = [:]
        for name in names {
            let output = try await runner.check("qselect", ["-x", "-N", name])
            if let id = output.stdout.split(separator: "\n").first.map({ $0.trimmingCharacters(in: .whitespaces) }), !id.isEmpty {
                found[name] = id
            }
        }
        return found
    }

    func cancel(_ ids: [String]) async throws(BatchError) {
        guard !ids.isEmpty else { return }
        _ = try await runner.check("qdel", ids)
    }
}
