import Foundation
import Logging
import PandaClient
import PandaConfig
import PandaCore

/// Submitting pilots without ever losing one: each is in the ledger (as
/// `submitting`, under its name) before the batch system hears of it, gets
/// its batch id the moment the batch system returns it, and one whose id
/// never came back (a factory killed between `sbatch` and its write, a
/// submission that failed part-way or timed out) is found by name in the
/// next cycle, or forgotten when the batch system never had it.
extension FactoryCycle {
    func submit(_ count: Int, to queue: QueueConfig, adapter: any BatchAdapter, now: Double) async throws -> Int {
        let walltime = queue.pilots.walltime
        let lifetime = PilotTimeBudget(slot: walltime).lifetime
        let validFor = TimeSpan(milliseconds: settings.factory.maxQueuedTime.milliseconds + walltime.milliseconds + 3_600_000)
        var launches: [PilotLaunch] = []
        var records: [PilotRecord] = []
        for _ in 0..<count {
            let name = "panda-\(queue.name)-\(RandomHex.make(bits: 40))"
            let directory = settings.spool + "/" + queue.name + "/" + name
            // The queue's directory as the umask has it; the pilot's own is private.
            try FileManager.default.createDirectory(atPath: settings.spool + "/" + queue.name, withIntermediateDirectories: true)
            if queue.batch?.user != nil {
                // A batch.user pilot must pass through the spool to its own
                // directory, whatever the factory's umask (0077 under its
                // unit): searchable, never listable.
                for path in [settings.spool, settings.spool + "/" + queue.name] where chmod(path, 0o711) != 0 {
                    throw BatchError.commandFailed(command: "chmod 711 \(path)", detail: String(cString: strerror(errno)))
                }
            }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            let token = try await client.pilotToken(PilotTokenRequest(queue: queue.name, validFor: validFor)).token
            // It goes into a shell script and a file name: only a JWT's characters.
            guard !token.isEmpty, token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw BatchError.unreadable(command: "factory/pilot_token", detail: "the server's pilot token is not a JWT")
            }
            if adapter.system == .local {
                // Local pilots read it from the spool; batch pilots carry it in their script.
                let tokenFile = directory + "/pilot.token"
                guard FileManager.default.createFile(atPath: tokenFile, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw BatchError.commandFailed(command: "write token", detail: "cannot write \(tokenFile)")
                }
            }
            let configArguments = adapter.system == .local ? settings.configPath.map { ["-c", $0] } ?? [] : []
            var command = settings.pilotCommand + configArguments + [
                "--server", settings.servers.joined(separator: ","), "--queue", queue.name, "--token-file", PilotScript.tokenFile,
                "--lifetime", lifetime.description, "--pilot-id", name,
            ] + (settings.pilotSharedUID == .accept ? ["--shared-uid", "accept"] : [])
            var environment = queue.batch?.environment ?? [:]
            if queue.pilots.flavour == .pilot3 {
                // PanDA's pilot 3 has its own command line and finds its token through its environment.
                let pilot3 = Pilot3CommandLine(queue: queue, server: settings.servers.first ?? "", storage: settings.storage)
                command = pilot3.command(lifetime: lifetime)
                environment.merge(pilot3.environment(tokenDirectory: PilotScript.tokenDirectory)) { site, _ in site }
            }
            var launch = PilotLaunch(name: name, command: command, environment: environment, directory: directory,
                                     stdout: directory + "/pilot.out", stderr: directory + "/pilot.err", walltime: walltime,
                                     cores: queue.corecount, memory: queue.maxrss)
            launch.token = token
            launches.append(launch)
            records.append(PilotRecord(system: adapter.system, batchID: PilotLedger.placeholder(name), queue: queue.name, name: name,
                                       state: .submitting, reason: nil, exitCode: nil, submittedAt: now, startedAt: nil, endedAt: nil,
                                       heldAt: nil, directory: directory, missing: 0))
        }
        try ledger.add(records)
        let state: PilotRecord.State = adapter.system == .local ? .running : .queued
        var ids: [String] = []
        var unrecorded: [String] = []
        do {
            try await adapter.submit(launches, queue: queue) { index, id in
                ids.append(id)
                do {
                    try ledger.adopt(records[index], batchID: id, state: state, at: now)
                } catch {
                    // Still `submitting` under its name: the next cycle finds it.
                    unrecorded.append("\(records[index].name) (\(id)): \(error)")
                }
            }
        } catch {
            if !ids.isEmpty { logSubmitted(ids, to: queue, adapter: adapter) }
            let message = "submitting to \(queue.name) failed after \(ids.count) of \(launches.count) pilot(s); "
                + "the rest are looked for by name next cycle: \(error)"
            logger.error("\(message)", metadata: ["queue": "\(queue.name)"])
            throw error
        }
        for problem in unrecorded { logger.error("cannot record pilot \(problem); it is looked for by name next cycle") }
        logSubmitted(ids, to: queue, adapter: adapter)
        return ids.count
    }

    private func logSubmitted(_ ids: [String], to queue: QueueConfig, adapter: any BatchAdapter) {
        logger.info("submitted \(ids.count) pilot(s) to \(queue.name) through \(adapter.system.rawValue): \(ids.joined(separator: " "))",
                    metadata: ["queue": "\(queue.name)"])
    }

    /// Pilots left `submitting`: found by name in the batch system (and
    /// recorded), or, when it never had them, forgotten with their directories.
    func reconcileSubmitting(_ queue: QueueConfig, adapter: any BatchAdapter, now: Double) async throws {
        let pending = try ledger.submitting(queue: queue.name)
        guard !pending.isEmpty else { return }
        let found = try await adapter.find(pending.map(\.name))
        for record in pending {
            if let id = found[record.name] {
                // Its state is polled with the others straight after.
                try ledger.adopt(record, batchID: id, state: .queued, at: now)
                let message = "found pilot \(record.name) in \(adapter.system.rawValue) as \(id): its submission was not recorded "
                    + "(the factory stopped or the submission failed part-way); watching it again"
                logger.warning("\(message)", metadata: ["queue": "\(queue.name)"])
            } else {
                try ledger.remove(record)
                PilotDirectory.remove(record.directory)
                logger.info("pilot \(record.name) never reached \(adapter.system.rawValue); forgotten", metadata: ["queue": "\(queue.name)"])
            }
        }
    }
}
