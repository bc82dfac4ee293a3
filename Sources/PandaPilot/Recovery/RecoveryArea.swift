import Foundation
import PandaCore
import PandaSystem

/// Where outputs of jobs whose stage-out failed wait for a later pilot of
/// the same queue: one directory per job attempt under `ROOT/QUEUE/`, with
/// the files and a `recovery.json` saying where each should go.
///
/// ```swift
/// let area = RecoveryArea(root: "/var/tmp/panda-recovery", queue: "LOCAL")
/// try area.keep(job: job, files: outgoing)          // after a failed stage-out
/// for entry in area.claimAll(by: pilotID) { ... }   // a later pilot
/// ```
/// Entries appear and are claimed by rename, which is atomic on one file
/// system, so pilots sharing the area never take the same job twice. A claim
/// older than `staleClaim` (its pilot died) may be taken over.
struct RecoveryArea {
    let directory: String
    static let manifestName = "recovery.json"
    static let staleClaim: TimeInterval = 3600

    init(root: String, queue: String) {
        directory = root + "/" + queue
    }

    struct Entry: Codable, Sendable {
        let jobID: Int64
        let attempt: Int
        /// The lease the attempt ran under: the server's proof the files are that attempt's.
        var lease: String? = nil
        let queue: String
        var files: [OutgoingFile]
    }

    struct Claimed: Sendable {
        let entry: Entry
        let path: String
        let unclaimedPath: String
    }

    /// Moves the files into the area and records where they should go.
    func keep(job: DispatchedJob, queue: String, files: [OutgoingFile]) throws {
        let name = "\(job.id).\(job.attempt)"
        let incoming = directory + "/.incoming-" + name
        let manager = FileManager.default
        try manager.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        var kept: [OutgoingFile] = []
        for file in files {
            var moved = file
            moved.path = incoming + "/" + file.lfn
            try? manager.removeItem(atPath: moved.path)
            try manager.moveItem(atPath: file.path, toPath: moved.path)
            kept.append(moved)
        }
        let entry = Entry(jobID: job.id, attempt: job.attempt, lease: job.lease, queue: queue, files: kept.map { file in
            var relative = file
            relative.path = file.lfn
            return relative
        })
        try JSONEncoder().encode(entry).write(to: URL(fileURLWithPath: incoming + "/" + Self.manifestName))
        try? manager.removeItem(atPath: directory + "/" + name)
        try manager.moveItem(atPath: incoming, toPath: directory + "/" + name)
    }

    /// Claims every entry that is free (or whose claim went stale).
    func claimAll(by pilot: String) -> [Claimed] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var claimed: [Claimed] = []
        for name in names.sorted() where !name.hasPrefix(".incoming-") {
            let base = name.components(separatedBy: ".claimed-")[0]
            let isClaim = base != name
            if isClaim && !isStale(directory + "/" + name) { continue }
            let target = directory + "/" + base + ".claimed-" + pilot
            guard rename(directory + "/" + name, target) == 0 else { continue }
            guard let data = SmallFile.read(target + "/" + Self.manifestName).map { Data($0) },
                  var entry = try? JSONDecoder().decode(Entry.self, from: data) else {
                _ = rename(target, directory + "/" + base)
                continue
            }
            entry.files = entry.files.map { file in
                var absolute = file
                absolute.path = target + "/" + file.lfn
                return absolute
            }
            // Touch the claim so other pilots see it is alive.
            utime(target, nil)
            claimed.append(Claimed(entry: entry, path: target, unclaimedPath: directory + "/" + base))
        }
        return claimed
    }

    func release(_ claim: Claimed) {
        _ = rename(claim.path, claim.unclaimedPath)
    }

    func remove(_ claim: Claimed) {
        try? FileManager.default.removeItem(atPath: claim.path)
    }

    private func isStale(_ path: String) -> Bool {
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return false }
        return Date().timeIntervalSince(modified) > Self.staleClaim
    }
}
