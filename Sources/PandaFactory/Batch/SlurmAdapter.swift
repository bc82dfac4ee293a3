import Foundation
import PandaConfig
import PandaCore

/// Slurm: `sbatch --parsable` per pilot, one `squeue` for all ids, `scancel`.
///
/// ```swift
/// SlurmAdapter.parseQueue("17|RUNNING|None\n18|PENDING|Priority")   // ["17": .running, "18": .queued]
/// ```
/// Jobs leave squeue MinJobAge after they end (300 s by default); an id it
/// no longer knows is simply absent from the answer, and a lone unknown id
/// makes squeue exit 1 with "Invalid job id specified".
struct SlurmAdapter: BatchAdapter {
    let runner: CommandRunner
    var system: BatchSystem { .slurm }

    func submit(_ launches: [PilotLaunch], queue: QueueConfig) async throws(BatchError) -> [String] {
        var ids: [String] = []
        for launch in launches {
            let script = launch.directory + "/pilot.slurm"
            do {
                try pilotScript(launch, directives: []).write(toFile: script, atomically: true, encoding: .utf8)
            } catch {
                throw BatchError.commandFailed(command: "sbatch", detail: "cannot write \(script): \(error)")
            }
            let output = try await runner.check("sbatch", Self.submitArguments(launch, batch: queue.batch) + [script])
            ids.append(try Self.parseSubmit(output.stdout))
        }
        return ids
    }

    static func submitArguments(_ launch: PilotLaunch, batch: BatchConfig?) -> [String] {
        var arguments = ["--parsable", "--job-name=\(launch.name)", "--output=\(launch.stdout)", "--error=\(launch.stderr)",
                         "--chdir=\(launch.directory)",
                         "--time=\(max(1, (launch.walltime.milliseconds + 59_999) / 60_000))",
                         "--cpus-per-task=\(launch.cores)", "--mem=\(max(1, launch.memory.bytes / 1_048_576))M"]
        if let partition = batch?.partition { arguments.append("--partition=\(partition)") }
        if let account = batch?.account { arguments.append("--account=\(account)") }
        if let qos = batch?.qos { arguments.append("--qos=\(qos)") }
        return arguments + (batch?.args ?? [])
    }

    /// `--parsable` prints "ID" or "ID;CLUSTER".
    static func parseSubmit(_ text: String) throws(BatchError) -> String {
        let first = text.split(separator: "\n").first.map { String($0.split(separator: ";")[0]) }?.trimmingCharacters(in: .whitespaces)
        guard let first, !first.isEmpty, first.allSatisfy(\.isNumber) else {
            throw BatchError.unreadable(command: "sbatch", detail: "expected a job id, got '\(text.prefix(200))'")
        }
        return first
    }

    func status(of ids: [String]) async throws(BatchError) -> [String: PilotBatchState] {
        guard !ids.isEmpty else { return [:] }
        let output = try await runner.run("squeue", ["-h", "-t", "all", "-j", ids.joined(separator: ","), "-o", "%i|%T|%r"])
        if output.status != 0 {
            if output.stderr.contains("Invalid job id specified") { return [:] }
            throw BatchError.commandFailed(command: "squeue", detail: "exit \(output.status): \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return Self.parseQueue(output.stdout)
    }

    /// Lines of `%i|%T|%r`: id, state, reason.
    static func parseQueue(_ text: String) -> [String: PilotBatchState] {
        var states: [String: PilotBatchState] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2 else { continue }
            states[fields[0]] = state(fields[1], reason: fields.count > 2 ? fields[2] : "")
        }
        return states
    }

    static func state(_ name: String, reason: String) -> PilotBatchState {
        switch name {
        case "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "RESV_DEL_HOLD":
            return reason.contains("Held") ? .held(reason: reason) : .queued
        case "RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING", "RESIZING": return .running
        case "COMPLETED": return .done(exit: 0)
        case "FAILED": return .done(exit: nil)
        case "SUSPENDED", "STOPPED": return .held(reason: name.lowercased())
        case "CANCELLED", "TIMEOUT", "NODE_FAIL", "BOOT_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "DEADLINE", "REVOKED", "SPECIAL_EXIT":
            return .failed(reason: name.lowercased() + (reason.isEmpty || reason == "None" ? "" : " (\(reason))"))
        default: return .unknown(name)
        }
    }

    func cancel(_ ids: [String]) async throws(BatchError) {
        guard !ids.isEmpty else { return }
        _ = try await runner.check("scancel", ids)
    }
}
