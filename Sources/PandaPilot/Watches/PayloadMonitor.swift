import PandaClient
import PandaCore

/// Runs the watches and the heartbeat while a payload runs, until it exits.
///
/// ```swift
/// let monitor = PayloadMonitor(watches: watches, interval: .seconds(5))
/// let peak = await monitor.run(until: payload, control: control, heartbeat: heartbeat)
/// ```
struct PayloadMonitor {
    var watches: [any Watch]
    let interval: TimeSpan

    /// Returns the largest resident memory seen for the payload's group.
    /// Both loops end by themselves when the payload exits.
    func run(until payload: PayloadProcess, control: JobControl, heartbeat: Heartbeat) async -> Int64 {
        let initial = watches
        let interval = self.interval
        return await withTaskGroup(of: Int64.self) { group in
            group.addTask {
                await heartbeat.run(until: payload, control: control)
                return 0
            }
            group.addTask {
                var watches = initial
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
            return await group.reduce(0, max)
        }
    }
}
