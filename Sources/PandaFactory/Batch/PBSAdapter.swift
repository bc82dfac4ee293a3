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

    func submit(_ launches: [PilotLaunch], queue: QueueConfig) async throws(BatchError) -> [String] {
        var ids: [String] = []
        for launch in launches {
            let script = launch.directory + "/pilot.pbs"
            do {
                try pilotScript(launch, directives: Self.directives(launch, batch: queue.batch)).write(toFile: script, atomically: true, encoding: .utf8)
            } catch {
                throw BatchError.commandFailed(command: "qsub", detail: "cannot write \(script): \(error)")
            }
            let output = try await runner.check("qsub", (queue.batch?.args ?? []) + [script])
            ids.append(try Self.parseSubmit(output.stdout))
        }
        return ids
    }

    static func directives(_ launch: PilotLaunch, batch: BatchConfig?) -> [String] {
        let seconds = launch.walltime.milliseconds / 1000
        var lines = [
            "#PBS -N \(launch.name)",
            "#PBS -o \(launch.stdout)",
            "#PBS -e \(launch.stderr)",
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

    /// job_state letters; Exit_status < 0 is a PBS error, ≥ 256 a signal (status − 256).
    static func state(_ letter: String, exit: Int?, comment: String? = nil) -> PilotBatchState {
        switch letter {
        case "Q", "W", "T", "M": return .queued
        case "R", "E", "B", "X": return .running
        case "H": return .held(reason: comment ?? "held")
        case "S", "U": return .held(reason: "suspended")
        case "F":
            guard let exit else { return .done(exit: nil) }
            if exit < 0 { return .failed(reason: "PBS error \(exit)" + (comment.map { ": \($0)" } ?? "")) }
            if exit >= 256 { return .failed(reason: "killed by signal \(exit - 256)") }
            return .done(exit: exit)
        default: return .unknown(letter)
        }
    }

    func cancel(_ ids: [String]) async throws(BatchError) {
        guard !ids.isEmpty else { return }
        _ = try await runner.check("qdel", ids)
    }
}
