import Foundation
import PandaConfig
import PandaCore

/// HTCondor: one submit description with a `queue` per pilot, so a cycle's
/// pilots are one cluster (`condor_submit -terse` prints "C.first - C.last");
/// `condor_q -json`, then `condor_history -json` for ids no longer queued;
/// `condor_rm`.
///
/// ```swift
/// CondorAdapter.parseSubmit("231.0 - 231.2")   // ["231.0", "231.1", "231.2"]
/// ```
struct CondorAdapter: BatchAdapter {
    let runner: CommandRunner
    var system: BatchSystem { .condor }
    static let attributes = "ClusterId,ProcId,JobStatus,HoldReason,ExitCode,ExitBySignal,ExitSignal,RemoveReason"

    func submit(_ launches: [PilotLaunch], queue: QueueConfig, submitted: (Int, String) -> Void) async throws(BatchError) {
        guard !launches.isEmpty else { return }
        var scripts: [String] = []
        for launch in launches {
            scripts.append(try PilotScript(launch: launch, directives: [], redirectOutput: false).write(named: "pilot.condor.sh", command: "condor_submit"))
        }
        let description = Self.description(launches, scripts: scripts, batch: queue.batch)
        // One cluster for the cycle: its ids come back together.
        let output = try await runner.check("condor_submit", ["-terse"] + (queue.batch?.args ?? []) + ["-"], input: description)
        let ids = try Self.parseSubmit(output.stdout)
        for (index, id) in ids.prefix(launches.count).enumerated() { submitted(index, id) }
        guard ids.count == launches.count else {
            throw BatchError.unreadable(command: "condor_submit", detail: "\(launches.count) pilots submitted, \(ids.count) ids back")
        }
    }

    /// A submit description: common settings, then per pilot its executable,
    /// output paths and a `queue`. The script carries everything the pilot
    /// needs, so HTCondor transfers only it (the executable) to the node and
    /// brings back stdout, stderr and nothing else; `+PandaPilot` names the
    /// pilot, so a restarted factory finds it.
    static func description(_ launches: [PilotLaunch], scripts: [String], batch: BatchConfig?) -> String {
        let first = launches[0]
        var lines = [
            "universe = vanilla",
            "request_cpus = \(first.cores)",
            "request_memory = \(max(1, first.memory.bytes / 1_048_576))",
            // The pilot stops itself before its lifetime; this is the backstop.
            "periodic_remove = JobStatus == 2 && (time() - EnteredCurrentStatus) > \(first.walltime.milliseconds / 1000 + 600)",
            "getenv = false",
            "should_transfer_files = YES",
            "when_to_transfer_output = ON_EXIT_OR_EVICT",
            "transfer_executable = true",
            "transfer_output_files = ",
        ] + (batch?.submitLines ?? [])
        for (launch, script) in zip(launches, scripts) {
            lines += [
                "executable = \(script)",
                "initialdir = \(launch.directory)",
                "output = \(launch.stdout)",
                "error = \(launch.stderr)",
                "log = \(launch.directory)/condor.log",
                "+PandaPilot = \"\(launch.name)\"",
                "batch_name = \(launch.name)",
                "queue 1",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func parseSubmit(_ text: String) throws(BatchError) -> [String] {
        let line = text.split(separator: "\n").first { $0.contains(" - ") }.map(String.init) ?? ""
        let ends = line.components(separatedBy: " - ").map { $0.trimmingCharacters(in: .whitespaces) }
        guard ends.count == 2 else { throw BatchError.unreadable(command: "condor_submit", detail: "expected 'C.P - C.Q', got '\(text.prefix(200))'") }
        let first = ends[0].split(separator: "."), last = ends[1].split(separator: ".")
        guard first.count == 2, last.count == 2, first[0] == last[0], let from = Int(first[1]), let to = Int(last[1]), from <= to else {
            throw BatchError.unreadable(command: "condor_submit", detail: "expected 'C.P - C.Q', got '\(line)'")
        }
        return (from...to).map { "\(first[0]).\($0)" }
    }

    func status(of ids: [String]) async throws(BatchError) -> [String: PilotBatchState] {
        guard !ids.isEmpty else { return [:] }
        let queued = try await runner.check("condor_q", ["-json", "-attributes", Self.attributes] + ids)
        var states = try Self.parseAds(queued.stdout, command: "condor_q")
        let missing = ids.filter { states[$0] == nil }
        if !missing.isEmpty {
            let history = try await runner.check("condor_history", ["-json", "-attributes", Self.attributes] + missing)
            states.merge(try Self.parseAds(history.stdout, command: "condor_history")) { current, _ in current }
        }
        return states
    }

    /// condor_q/condor_history -json: a JSON array of job ads, or nothing at all when none match.
    static func parseAds(_ text: String, command: String) throws(BatchError) -> [String: PilotBatchState] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return [:] }
        guard let ads = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [[String: Any]] else {
            throw BatchError.unreadable(command: command, detail: "not a JSON array of job ads: \(trimmed.prefix(200))")
        }
        var states: [String: PilotBatchState] = [:]
        for ad in ads {
            guard let cluster = ad["ClusterId"] as? Int, let proc = ad["ProcId"] as? Int, let status = ad["JobStatus"] as? Int else { continue }
            states["\(cluster).\(proc)"] = state(status, ad: ad)
        }
        return states
    }

    /// JobStatus: 1 idle, 2 running, 3 removed, 4 completed, 5 held,
    /// 6 transferring output, 7 suspended; a completed job ended by itself
    /// (ExitCode) or by a signal (ExitBySignal, ExitSignal).
    static func state(_ status: Int, ad: [String: Any]) -> PilotBatchState {
        switch status {
        case 1: return .queued
        case 2, 6: return .running
        case 3: return .failed(reason: "removed from HTCondor" + ((ad["RemoveReason"] as? String).map { ": \($0)" } ?? ""))
        case 4:
            if ad["ExitBySignal"] as? Bool == true {
                return .failed(reason: "killed by signal \(WaitStatus.name(ad["ExitSignal"] as? Int ?? 0))")
            }
            guard let exit = ad["ExitCode"] as? Int else { return .failed(reason: "completed in HTCondor without an exit code") }
            return .done(exit: exit)
        case 5: return .held(reason: ad["HoldReason"] as? String ?? "held")
        case 7: return .held(reason: "suspended")
        default: return .unknown("JobStatus \(status)")
        }
    }

    /// Pilots by their `+PandaPilot` attribute, queued or in the history.
    func find(_ names: [String]) async throws(BatchError) -> [String: String] {
        guard !names.isEmpty else { return [:] }
        let constraint = names.map { "PandaPilot == \"\($0)\"" }.joined(separator: " || ")
        var found: [String: String] = [:]
        for command in ["condor_q", "condor_history"] {
            let output = try await runner.check(command, ["-json", "-attributes", "ClusterId,ProcId,PandaPilot", "-constraint", constraint])
            found.merge(try Self.parseNames(output.stdout, command: command)) { current, _ in current }
        }
        return found
    }

    static func parseNames(_ text: String, command: String) throws(BatchError) -> [String: String] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return [:] }
        guard let ads = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [[String: Any]] else {
            throw BatchError.unreadable(command: command, detail: "not a JSON array of job ads: \(trimmed.prefix(200))")
        }
        var found: [String: String] = [:]
        for ad in ads {
            if let name = ad["PandaPilot"] as? String, let cluster = ad["ClusterId"] as? Int, let proc = ad["ProcId"] as? Int {
                found[name] = "\(cluster).\(proc)"
            }
        }
        return found
    }

    func cancel(_ ids: [String]) async throws(BatchError) {
        guard !ids.isEmpty else { return }
        _ = try await runner.check("condor_rm", ids)
    }
}
