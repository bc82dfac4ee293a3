import Foundation
import PandaClient
import PandaCore

/// Follows a task until it ends: on a terminal, a block redrawn in place
/// (state, a bar, counts by job state, the commonest failures); otherwise a
/// plain line whenever something changed (and once a minute regardless),
/// for logs and pipes.
struct TaskWatcher {
    let client: PandaClient
    let options: ClientOptions
    let task: Int64
    let interval: TimeSpan
    var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 && !options.json }

    /// The task's final state.
    func follow() async throws -> TaskState {
        let started = ContinuousClock.now
        var drawn = 0
        var lastPlain: [String] = []
        var lastPrinted = ContinuousClock.now
        while true {
            let status = try await options.call { () throws(ClientError) in try await client.taskStatus(task) }
            if options.json {
                if status.state.isFinal { try options.printJSON(status) }
            } else if isTerminal {
                let lines = Self.block(status, elapsed: ContinuousClock.now - started).map(TerminalText.escaped)
                // Back to the block's first line, clear to the end, draw again:
                // the only control sequences printed are these, the lines' own are escaped.
                print((drawn > 0 ? "\u{1B}[\(drawn)F\u{1B}[J" : "") + lines.joined(separator: "\n"))
                drawn = lines.count
            } else {
                // A line when something changed, and the progress line again
                // every minute, so a log shows the watcher is alive.
                let lines = Self.plain(status)
                let quiet = ContinuousClock.now - lastPrinted >= .seconds(60)
                for (index, line) in lines.enumerated() where !lastPlain.contains(line) || (index == 0 && quiet) {
                    say(TerminalText.escaped(line))
                    lastPrinted = ContinuousClock.now
                }
                lastPlain = lines
            }
            fflush(nil)
            if status.state.isFinal { return status.state }
            try? await Task.sleep(for: interval.duration)
        }
    }

    static func block(_ status: TaskStatus, elapsed: Duration) -> [String] {
        var lines = ["task \(status.id)\(status.name.map { " \($0)" } ?? ""): \(status.state.rawValue)  \(progressBar(status.ended, of: status.jobs)) "
                     + "\(status.ended)/\(status.jobs) ended  \(Int(elapsed.components.seconds))s"]
        lines.append("  " + counts(status))
        for failure in status.failures {
            lines.append("  \(failure.jobs) × \(errorText(code: failure.errorCode, diagnostic: failure.errorDiag)) (e.g. job \(failure.exampleJob))")
        }
        return lines
    }

    /// One line of progress, then one per kind of failure.
    static func plain(_ status: TaskStatus) -> [String] {
        ["task \(status.id) \(status.state.rawValue): \(status.ended)/\(status.jobs) ended; \(counts(status))"]
            + status.failures.map { "task \(status.id) failures: \($0.jobs) × \(errorText(code: $0.errorCode, diagnostic: $0.errorDiag)) (e.g. job \($0.exampleJob))" }
    }

    static func counts(_ status: TaskStatus) -> String {
        JobState.allCases.reversed().compactMap { state in
            status.counts[state.rawValue].map { "\(state.rawValue) \($0)" }
        }.joined(separator: ", ")
    }
}
