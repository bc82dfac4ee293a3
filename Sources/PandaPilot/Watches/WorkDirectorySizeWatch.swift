import PandaCore

/// The job's work directory against its disk limit, maxwdir (1104).
struct WorkDirectorySizeWatch: Watch {
    let directory: String
    let limit: ByteCount

    func check(now: ContinuousClock.Instant) -> JobFailure? {
        let used = DirectoryScan(directory).totalBytes
        guard used > limit.bytes else { return nil }
        return JobFailure(ErrorCode.workDirTooBig, "the work directory holds \(ByteCount(bytes: used)), the limit is \(limit)")
    }
}
