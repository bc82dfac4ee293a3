import Foundation
import PandaConfig
import PandaCore
import Synchronization

/// Slurm: `sbatch --parsable` per pilot, one `squeue` for all ids, `scancel`;
/// `sacct` for ids squeue has forgotten, when accounting is configured.
///
/// ```swift
/// SlurmAdapter.parseQueue("17|RUNNING|None|0\n18|FAILED|NonZeroExitCode|768")   // ["17": .running, "18": .failed("exited with 3", exit: 3)]
/// ```
/// Jobs leave squeue MinJobAge after they end (300 s by default); an id it
/// no longer knows is absent from the answer, and a lone unknown id makes
/// squeue exit 1 with "Invalid job id specified". With accounting, sacct
/// still knows them, so exit codes survive; without it ("Slurm accounting
/// storage is disabled") the adapter stops asking.
struct SlurmAdapter: BatchAdapter {
    let runner: CommandRunner
    var system: BatchSystem { .slurm }
    /// Whether sacct answers here: learnt at its first use.
    let accounting = AccountingProbe()

    func submit(_ launches: [PilotLaunch], queue: QueueConfig, submitted: (Int, String) -> Void) async throws(BatchError) {
        for (index, launch) in launches.enumerated() {
            let script = try PilotScript(launch: launch, directives: [], redirectOutput: true).write(named: "pilot.slurm", command: "sbatch")
            let output = try await runner.check("sbatch", Self.submitArguments(launch, batch: queue.batch) + [script])
            submitted(index, try Self.parseSubmit(output.stdout))
        }
    }

    /// Output to /dev/null and the directory /tmp: a factory path the node
    /// cannot open makes Slurm fail the job (JobLaunchFailure).
    static func submitArguments(_ launch: PilotLaunch, batch: BatchConfig?) -> [String] {
        var arguments = ["--parsable", "--job-name=\(launch.name)", "--comment=panda pilot \(launch.name)",
                         "--output=/dev/null", "--error=/dev/null", "--chdir=/tmp",
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

    static let queueFormat = "JobID:30|,State:30|,Reason:200|,exit_code:20|"

    func status(of ids: [String]) async throws(BatchError) -> [String: PilotBatchState] {
        guard !ids.isEmpty else { return [:] }
        var states: [String: PilotBatchState]
        let output = try await runner.run("squeue", ["-h", "-t", "all", "-j", ids.joined(separator: ","), "-O", Self.queueFormat])
        if output.status != 0 {
            guard output.stderr.contains("Invalid job id specified") else {
                throw BatchError.commandFailed(command: "squeue", detail: "exit \(output.status): \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            states = [:]
        } else {
            states = Self.parseQueue(output.stdout)
        }
        let forgotten = ids.filter { states[$0] == nil }
        if !forgotten.isEmpty, accounting.mayAsk {
            states.merge(try await accounted(forgotten)) { current, _ in current }
        }
        return states
    }

    /// Lines of id|state|reason|exit status (squeue -O pads each field; the raw wait status: 768 is exit 3).
    static func parseQueue(_ text: String) -> [String: PilotBatchState] {
        var states: [String: PilotBatchState] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 2, !fields[0].isEmpty else { continue }
            let reason = fields.count > 2 ? fields[2] : ""
            let status = fields.count > 3 ? Int(fields[3]) : nil
            states[fields[0]] = SlurmStates.state(fields[1], reason: reason, exit: status.map(WaitStatus.init(raw:)))
        }
        return states
    }

    /// sacct for jobs squeue no longer shows: a best effort on top of squeue,
    /// so a failing sacct leaves those ids unanswered (they count as gone
    /// after `PilotTransitions.missingCycles`), and one that says accounting
    /// is off is not asked again.
    private func accounted(_ ids: [String]) async throws(BatchError) -> [String: PilotBatchState] {
        let output = try await runner.run("sacct", ["--parsable2", "--noheader", "-X", "-j", ids.joined(separator: ","),
                                                    "--format=JobIDRaw,State,ExitCode,Reason"])
        if output.stderr.contains("accounting storage is disabled") { accounting.disable() }
        guard output.status == 0 else { return [:] }
        return Self.parseAccounting(output.stdout)
    }

    /// `sacct --parsable2 --noheader -X --format=JobIDRaw,State,ExitCode,Reason`:
    /// `17|FAILED|3:0|NonZeroExitCode`, `18|CANCELLED by 1000|0:15|None`.
    static func parseAccounting(_ text: String) -> [String: PilotBatchState] {
        var states: [String: PilotBatchState] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3, !fields[0].isEmpty else { continue }
            let state = fields[1].split(separator: " ").first.map(String.init) ?? fields[1]
            let codes = fields[2].split(separator: ":").compactMap { Int($0) }
            let exit = codes.count == 2 ? WaitStatus(exit: codes[0], signal: codes[1]) : nil
            var reason = fields.count > 3 ? fields[3] : ""
            if fields[1].hasPrefix("CANCELLED by ") { reason = String(fields[1].dropFirst("CANCELLED ".count)) }
            states[fields[0]] = SlurmStates.state(state, reason: reason, exit: exit)
        }
        return states
    }

    /// Pilots by job name: `squeue -h -t all --name=… -o '%j|%i'`.
    func find(_ names: [String]) async throws(BatchError) -> [String: String] {
        guard !names.isEmpty else { return [:] }
        let output = try await runner.check("squeue", ["-h", "-t", "all", "--name=" + names.joined(separator: ","), "-o", "%j|%i"])
        var found: [String: String] = [:]
        for line in output.stdout.split(separator: "\n") {
            let fields = line.split(separator: "|").map(String.init)
            if fields.count == 2, names.contains(fields[0]) { found[fields[0]] = fields[1] }
        }
        return found
    }

    func cancel(_ ids: [String]) async throws(BatchError) {
        guard !ids.isEmpty else { return }
        _ = try await runner.check("scancel", ids)
    }
}

/// Whether sacct works on this cluster: asked until it says accounting is off.
final class AccountingProbe: Sendable {
    private let disabled = Mutex(false)
    var mayAsk: Bool { !disabled.withLock { $0 } }
    func disable() { disabled.withLock { $0 = true } }
}
