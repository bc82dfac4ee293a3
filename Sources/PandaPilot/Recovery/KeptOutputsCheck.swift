import PandaClient
import PandaCore

/// Holds the files a recovering pilot found to the server's record of what
/// the holding pilot kept (`RecoverResult.outputs`: name, size and adler32
/// of each, sent with the holding report). The recovery area lies on the
/// node, where a payload running as the pilot's own user can rewrite any
/// file or manifest; the server's record it cannot change. So forged bytes
/// are neither uploaded nor catalogued, and a file taken out of the entry
/// is noticed.
///
/// ```swift
/// let check = KeptOutputsCheck(record: recovered.outputs)
/// if let problem = check.problem(with: entry.files) { fail(problem) }   // before stage-out
/// if let problem = check.problem(with: stored) { fail(problem) }        // what was sent
/// ```
struct KeptOutputsCheck {
    /// Nil: the holding pilot recorded nothing (an older pilot); nothing to check against.
    let record: [StoredFile]?

    /// The files on disk, summed now.
    func problem(with files: [OutgoingFile]) -> String? {
        guard record != nil else { return nil }
        var found: [StoredFile] = []
        for file in files {
            do {
                let summary = try FileDigest.of(file: file.path)
                found.append(StoredFile(lfn: file.lfn, size: summary.size, checksum: summary.adler32.description, url: file.url))
            } catch {
                return "\(file.lfn) cannot be read: \(error.message)"
            }
        }
        return problem(with: found)
    }

    /// Files as stored (or as summed): the same names, sizes and checksums as the record.
    func problem(with files: [StoredFile]) -> String? {
        guard let record else { return nil }
        var expected: [String: StoredFile] = [:]
        for file in record { expected[file.lfn] = file }
        for file in files {
            guard let kept = expected.removeValue(forKey: file.lfn) else {
                return "\(file.lfn) was not among the files kept for recovery"
            }
            guard kept.size == file.size, kept.checksum == file.checksum else {
                return "\(file.lfn) is \(file.size) bytes with \(file.checksum), but \(kept.size) bytes with \(kept.checksum) were kept"
            }
        }
        if let missing = expected.keys.sorted().first { return "\(missing) was kept for recovery but is gone" }
        return nil
    }
}
