import PandaCore

/// Ended attempts summed from `stats_attempts` rows (hour, queue, owner,
/// state, code, count) into the errors page's figures: ended attempts by
/// state, failures by error code with their busiest queues and owners, and
/// finished against failed per hour. Both stores fold their rows with it.
///
/// ```swift
/// var tally = AttemptTally()
/// for row in rows { tally.add(hour: row.hour, queue: row.queue, owner: row.owner, state: row.state, code: row.code, count: row.n) }
/// return tally.stats(since: since, until: until)
/// ```
struct AttemptTally {
    private var ended: [String: Int] = [:]
    private var byCode: [Int: (count: Int, queues: [String: Int], owners: [String: Int])] = [:]
    private var hours: [Int64: (failed: Int, finished: Int)] = [:]

    mutating func add(hour: Int64, queue: String, owner: String, state: String, code: Int, count n: Int) {
        ended[state, default: 0] += n
        var perHour = hours[hour] ?? (0, 0)
        if state == JobState.finished.rawValue { perHour.finished += n } else { perHour.failed += n }
        hours[hour] = perHour
        guard state != JobState.finished.rawValue, code != 0 else { return }
        var entry = byCode[code] ?? (0, [:], [:])
        entry.count += n
        entry.queues[queue, default: 0] += n
        entry.owners[owner, default: 0] += n
        byCode[code] = entry
    }

    /// An hour's ended attempts as the hourly sample counts them, without their codes.
    mutating func addHour(_ hour: Int64, finished: Int, failed: Int, cancelled: Int) {
        guard finished + failed + cancelled > 0 else { return }
        ended["finished", default: 0] += finished
        ended["failed", default: 0] += failed
        ended["cancelled", default: 0] += cancelled
        var perHour = hours[hour] ?? (0, 0)
        perHour.finished += finished
        perHour.failed += failed + cancelled
        hours[hour] = perHour
    }

    /// Failures of a code in a queue, counted; `addOwner` then says whose they were.
    mutating func addFailures(code: Int, queue: String, count n: Int) {
        var entry = byCode[code] ?? (0, [:], [:])
        entry.count += n
        entry.queues[queue, default: 0] += n
        byCode[code] = entry
    }

    mutating func addOwner(code: Int, owner: String, count n: Int) {
        byCode[code]?.owners[owner, default: 0] += n
    }

    func stats(since: Int64, until: Int64) -> ErrorStats {
        ErrorStats(since: since, until: until, finished: ended["finished"] ?? 0, failed: ended["failed"] ?? 0,
                   cancelled: ended["cancelled"] ?? 0, errors: StatsQueries.errorCounts(byCode),
                   hours: hours.sorted { $0.key < $1.key }.map { HourCount(hour: $0.key, failed: $0.value.failed, finished: $0.value.finished) })
    }
}
