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
    func run(until payload: PayloadProcess, control: JobControl, heartbeat: Heartbeat) async -> Int64 {
        let initial = watches
        let interval = self.interval
        let peak = await withTaskGroup(of: Int64?.self) { group in
            group.addTask {
                _ = await payload.exit()
                return nil
            }
            group.addTask {
                await heartbeat.run(control: control)
                return nil
            }
            group.addTask {
                var watches = initial
                var peak: Int64 = 0
                while !Task.isCancelled && !payload.hasExited {
                    try? await Task.sleep(for: interval.duration)
                    guard !payload.hasExited, !control.isStopped else { continue }
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
            // The payload's exit ends the heartbeat and the watches.
            var peak: Int64 = 0
            if let first = await group.next(), let value = first { peak = value }
            group.cancelAll()
            for await value in group { peak = max(peak, value ?? 0) }
            return peak
        }
        return peak
    }
}
