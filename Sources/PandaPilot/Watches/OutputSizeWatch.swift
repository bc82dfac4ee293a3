import Foundation
import PandaCore

/// The payload's stdout and stderr files against the queue's stdout_limit (1106).
struct OutputSizeWatch: Watch {
    let files: [String]
    let limit: ByteCount

    func check(now: ContinuousClock.Instant) -> JobFailure? {
        for file in files {
            var info = stat()
            guard stat(file, &info) == 0, Int64(info.st_size) > limit.bytes else { continue }
            return JobFailure(ErrorCode.stdoutTooBig,
                              "\((file as NSString).lastPathComponent) is \(ByteCount(bytes: Int64(info.st_size))), the limit is \(limit)")
        }
        return nil
    }
}
