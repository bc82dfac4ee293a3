extension JobSpec {
    /// Everything wrong with this job as submitted, for a 400 that lists it
    /// all; empty when it may be accepted.
    public func problems() -> [String] {
        var problems: [String] = []
        if payload.executable.isEmpty { problems.append("payload.executable is empty") }
        if !(1...1024).contains(resources.cores) { problems.append("resources.cores \(resources.cores) is not 1 to 1024") }
        if !(-1_000_000...1_000_000).contains(priority) { problems.append("priority \(priority) is not -1000000 to 1000000") }
        if let attempts = maxAttempts, !(1...100).contains(attempts) { problems.append("max_attempts \(attempts) is not 1 to 100") }
        if let walltime = resources.walltime, walltime.milliseconds <= 0 { problems.append("resources.walltime must be positive") }
        var names: Set<String> = []
        for (index, file) in inputs.enumerated() {
            problems += Self.fileNameProblems(file.lfn, at: "inputs[\(index)]")
            if let checksum = file.checksum, !Checksum.isWellFormed(checksum) {
                problems.append("inputs[\(index)].checksum '\(checksum)' is not ad:XXXXXXXX or md5:32 hex digits")
            }
            if let size = file.size, size < 0 { problems.append("inputs[\(index)].size is negative") }
        }
        for (index, file) in (outputs + (log.map { [$0] } ?? [])).enumerated() {
            problems += Self.fileNameProblems(file.lfn, at: index < outputs.count ? "outputs[\(index)]" : "log")
            if !names.insert(file.lfn).inserted { problems.append("output \(file.lfn) is named twice") }
        }
        return problems
    }

    /// File names become paths in work directories and storage: no
    /// separators, no hidden or parent names.
    public static func fileNameProblems(_ lfn: String, at place: String) -> [String] {
        if lfn.isEmpty { return ["\(place).lfn is empty"] }
        if lfn.contains("/") || lfn.hasPrefix(".") || lfn.count > 255 {
            return ["\(place).lfn '\(lfn)' must be a plain file name (no '/', not starting with '.', at most 255 characters)"]
        }
        return []
    }
}
