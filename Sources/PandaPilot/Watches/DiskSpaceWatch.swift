import PandaCore

/// Free space on the work directory's file system (1098): a node whose disk
/// fills up fails the job cleanly instead of corrupting its outputs.
struct DiskSpaceWatch: Watch {
    let directory: String
    /// Below this the job is stopped; enough for the log tarball.
    static let minimum = ByteCount.megabytes(50)

    func check(now: ContinuousClock.Instant) -> JobFailure? {
        let free = NodeResources.freeDisk(at: directory)
        guard free < Self.minimum else { return nil }
        return JobFailure(ErrorCode.noLocalSpace, "only \(free) left on the work directory's file system")
    }
}
