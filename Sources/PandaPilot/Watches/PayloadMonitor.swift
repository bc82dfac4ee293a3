import PandaClient
import PandaCore

/// Runs the watches while a payload runs, until it exits (the heartbeat is
/// `JobContact`'s, through every step of the job).
///
/// ```swift
/// let monitor = PayloadMonitor(watches: watches, interval: .seconds(5))
/// let peak = await monitor.run(until: payload, control: control)
/// ```
struct PayloadMonitor {
    var watches: [any Watch]
    let interval: TimeSpan

    /// Returns the largest resident memory seen for the payload's group;
    /// ends by itself when the payload exits.
    func run(until payload: PayloadProcess, control: JobControl) async -> Int64 {
        var watches = self.watches
        var peak: Int64 = 0
        while await payload.exit(within: interval) == nil {
            guard !control.isStopped else { continue }
            for index in watches.indices {
                if let failure = watches[index].check(now: .now) {
                    control.stop(failure)
                    break
                }
            }
            for watch in watches { if let memory = watch as? MemoryWatch { peak = max(peak, memory.peak) } }
        }
        return peak
    }
}
