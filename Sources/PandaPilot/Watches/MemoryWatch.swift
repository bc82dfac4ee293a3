import Foundation
import PandaCore
import PandaSystem

/// Resident memory of the payload's whole process group against the job's
/// limit (1235). The highest value seen goes into the final report.
struct MemoryWatch: Watch {
    let group: pid_t
    let limit: ByteCount
    private(set) var peak: Int64 = 0

    init(group: pid_t, limit: ByteCount) {
        self.group = group
        self.limit = limit
    }

    mutating func check(now: ContinuousClock.Instant) -> JobFailure? {
        let resident = ProcessStat.all().filter { $0.group == group }.reduce(0) { $0 + $1.residentBytes }
        peak = max(peak, resident)
        guard resident > limit.bytes else { return nil }
        return JobFailure(ErrorCode.memoryExceeded,
                          "payload processes used \(ByteCount(bytes: resident)) resident memory, the limit is \(limit)")
    }
}
