import Foundation
import PandaClient
import PandaCore
import PandaSystem

/// Where outputs of jobs whose stage-out failed wait for a later pilot of
/// the same queue: one directory per job attempt under `ROOT/QUEUE/`, with
/// the files and a `recovery.json` saying where each should go.
///
/// ```swift
/// let area = RecoveryArea(root: "/root/.local/state/panda/recovery", queue: "LOCAL")
/// try area.keep(job: job, files: outgoing)          // after a failed stage-out
/// for entry in area.claimAll(by: pilotID) { ... }   // a later pilot
/// ```
/// The root is the pilot user's (mode 0700, see `PrivateDirectory`); every
/// entry, manifest and file must belong to that user and not be a symlink,
/// and a manifest names only plain file names, its own job and its own
/// queue — `RecoveryManifestCheck` then holds its URLs to the storage
/// endpoints, and `KeptOutputsCheck` its files' sizes and checksums to the
/// server's record of what was kept (a payload of the pilot's own user can
/// rewrite anything here; it cannot rewrite that record). Entries appear and are claimed by rename, which is atomic on
/// one file system, so pilots sharing the area never take the same job
/// twice. A claim older than `staleClaim` (its pilot died) may be taken over.
struct RecoveryArea {
    let root: String
    let queue: String
    let directory: String
    static let manifestName = "recovery.json"
    static let staleClaim: TimeInterval = 3600
    static let largestManifest = 4 << 20

    init(root: String, queue: String) {
        self.root = root
        self.queue = queue
        directory = root + "/" + queue
    }

    /// Extensible: fields added later (a lease, say) decode as optional,
    /// and older pilots ignore them.
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

    /// Moves the files into the area and records where they should go;
    /// returns each file's name, size and adler32 as kept, for the holding
    /// report: the server's record the recovering pilot checks the files
    /// against (`KeptOutputsCheck`), since anything on the node may change.
    @discardableResult
    func keep(job: DispatchedJob, queue: String, files: [OutgoingFile]) throws -> [StoredFile] {
        try PrivateDirectory.ensure(root)
        try PrivateDirectory.ensure(directory)
        let name = "\(job.id).\(job.attempt)"
        let incoming = directory + "/.incoming-" + name
        let manager = FileManager.default
        try? manager.removeItem(atPath: incoming)
        guard mkdir(incoming, 0o700) == 0 else { throw PrivateDirectory.Refusal(description: "cannot create \(incoming)") }
        var kept: [OutgoingFile] = []
        var record: [StoredFile] = []
        for file in files {
            var moved = file
            moved.path = incoming + "/" + file.lfn
            try manager.moveItem(atPath: file.path, toPath: moved.path)
            kept.append(moved)
            let summary = try FileDigest.of(file: moved.path)
            record.append(StoredFile(lfn: file.lfn, size: summary.size, checksum: summary.adler32.description, url: file.url,
                                     isLog: file.isLog, storage: file.storage, scope: file.scope))
        }
        let entry = Entry(jobID: job.id, attempt: job.attempt, lease: job.lease, queue: queue, files: kept.map { file in
            var relative = file
            relative.path = file.lfn
            return relative
        })
        try PrivateDirectory.write(try JSONEncoder().encode(entry), to: incoming + "/" + Self.manifestName)
        try? manager.removeItem(atPath: directory + "/" + name)
        try manager.moveItem(atPath: incoming, toPath: directory + "/" + name)
        return record
    }

    /// Claims every entry that is free (or whose claim went stale); entries
    /// that fail the checks are left alone and logged, never acted on.
    func claimAll(by pilot: String, log: PilotLog) -> [Claimed] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        do {
            for note in [try PrivateDirectory.secure(root), try PrivateDirectory.secure(directory)].compactMap({ $0 }) {
                log.info("recovery area: \(note)")
            }
        } catch {
            log.info("recovery area refused: \(error)")
            return []
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var claimed: [Claimed] = []
        for name in names.sorted() where !name.hasPrefix(".incoming-") {
            let base = name.components(separatedBy: ".claimed-")[0]
            let isClaim = base != name
            guard PrivateDirectory.isOwned(directory + "/" + name, type: S_IFDIR) else {
                log.info("recovery entry \(name) refused: not a directory of the pilot's user")
                continue
            }
            if isClaim && !isStale(directory + "/" + name) { continue }
            let target = directory + "/" + base + ".claimed-" + pilot
            guard rename(directory + "/" + name, target) == 0 else { continue }
            let entry: Entry
            do {
                entry = try read(target, name: base)
            } catch {
                log.info("recovery entry \(name) refused: \(error)")
                _ = rename(target, directory + "/" + base)
                continue
            }
            // Touch the claim so other pilots see it is alive.
            utime(target, nil)
            claimed.append(Claimed(entry: entry, path: target, unclaimedPath: directory + "/" + base))
        }
        return claimed
    }

    /// The manifest of the claimed entry at `path`, checked: its own job,
    /// attempt and queue, plain file names, each file this user's own.
    private func read(_ path: String, name: String) throws(PrivateDirectory.Refusal) -> Entry {
        let manifest = path + "/" + Self.manifestName
        guard PrivateDirectory.isOwned(manifest, type: S_IFREG) else {
            throw PrivateDirectory.Refusal(description: "\(Self.manifestName) is not a regular file of the pilot's user")
        }
        guard let data = SmallFile.read(manifest, limit: Self.largestManifest).map({ Data($0) }),
              var entry = try? JSONDecoder().decode(Entry.self, from: data) else {
            throw PrivateDirectory.Refusal(description: "\(Self.manifestName) is not a recovery manifest")
        }
        guard name == "\(entry.jobID).\(entry.attempt)", entry.queue == queue else {
            throw PrivateDirectory.Refusal(description: "the manifest is about job \(entry.jobID).\(entry.attempt) of \(entry.queue), not \(name) of \(queue)")
        }
        for index in entry.files.indices {
            let file = entry.files[index]
            guard Self.isPlainName(file.lfn), file.path == file.lfn else {
                throw PrivateDirectory.Refusal(description: "file name '\(file.lfn)' (path '\(file.path)') is not a plain file name")
            }
            let absolute = path + "/" + file.lfn
            guard PrivateDirectory.isOwned(absolute, type: S_IFREG) else {
                throw PrivateDirectory.Refusal(description: "\(file.lfn) is not a regular file of the pilot's user")
            }
            entry.files[index].path = absolute
        }
        return entry
    }

    /// One path component: no slash, not `.`/`..`, not hidden, no control characters.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && !name.hasPrefix(".") && !name.contains("/")
            && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
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
