import PandaClient
import PandaCore

/// Before taking new work, a pilot finishes jobs earlier pilots of its queue
/// left in the recovery area: it gets a new lease on each (the server checks
/// the job is still holding), stores the outputs, and reports the job finished.
///
/// ```swift
/// await JobRecovery(client: client, area: area, stageOut: stageOut, node: node, pilot: id, log: log).run()
/// ```
struct JobRecovery {
    let client: PandaClient
    let area: RecoveryArea
    let stageOut: StageOut
    let node: String
    let pilot: String
    let log: PilotLog

    /// How many jobs were completed.
    @discardableResult
    func run() async -> Int {
        var completed = 0
        let claims = area.claimAll(by: pilot, log: log)
        guard !claims.isEmpty else { return 0 }
        // Where files may go comes from the server, never from the manifest.
        let check: RecoveryManifestCheck
        do {
            check = RecoveryManifestCheck(endpoints: try await client.storageEndpoints())
        } catch {
            log.info("recovery postponed: the storage endpoints are unknown: \(error)")
            claims.forEach(area.release)
            return 0
        }
        for claim in claims {
            let entry = claim.entry
            if let problem = check.problem(with: entry) {
                log.info("recovery entry of job \(entry.jobID) refused: \(problem); left in \(claim.unclaimedPath)")
                area.release(claim)
                continue
            }
            let lease: String
            do {
                let recovered = try await client.recover(RecoverRequest(jobID: entry.jobID, attempt: entry.attempt, lease: entry.lease ?? "",
                                                                        queue: entry.queue, node: node, pilot: pilot))
                guard recovered.command != .kill else {
                    log.info("job \(entry.jobID) was killed while it waited for recovery; removing its files")
                    area.remove(claim)
                    continue
                }
                lease = recovered.lease
            } catch .refused(let status, let message) {
                // The job ended meanwhile (holding timeout, killed): its files are of no use.
                log.info("recovery of job \(entry.jobID) refused (\(status)): \(message); removing its files")
                area.remove(claim)
                continue
            } catch {
                log.info("recovery of job \(entry.jobID) postponed: \(error)")
                area.release(claim)
                continue
            }
            do {
                let stored = try await stageOut.run(entry.files)
                let reply = try await client.update(JobUpdate(jobID: entry.jobID, attempt: entry.attempt, lease: lease, state: .finished,
                                                              exitCode: 0, outputs: stored))
                log.info("recovered job \(entry.jobID): \(reply.state.rawValue)")
                area.remove(claim)
                completed += 1
            } catch let failure as JobFailure where failure.code == ErrorCode.outputRegistered {
                // No later pilot could store these files either: the job fails, and nothing was written.
                _ = try? await client.update(JobUpdate(jobID: entry.jobID, attempt: entry.attempt, lease: lease, state: .failed,
                                                       errorCode: failure.code.number, errorDiag: failure.diagnostic))
                log.info("recovery of job \(entry.jobID) refused: \(failure.diagnostic)")
                area.remove(claim)
            } catch {
                log.info("recovery of job \(entry.jobID) failed again: \(error); leaving it for a later pilot")
                area.release(claim)
            }
        }
        return completed
    }
}
