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
            let kept: KeptOutputsCheck
            do {
                let recovered = try await client.recover(RecoverRequest(jobID: entry.jobID, attempt: entry.attempt, lease: entry.lease ?? "",
                                                                        queue: entry.queue, node: node, pilot: pilot))
                guard recovered.command != .kill else {
                    log.info("job \(entry.jobID) was killed while it waited for recovery; removing its files")
                    area.remove(claim)
                    continue
                }
                lease = recovered.lease
                kept = KeptOutputsCheck(record: recovered.outputs)
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
            if kept.record == nil { log.info("job \(entry.jobID): the server has no record of its kept outputs (an older pilot); not checked") }
            // Checked before the upload (forged bytes never reach storage) and
            // after it (what was sent, should a file change in between).
            if let problem = kept.problem(with: entry.files) {
                await refuse(claim, lease: lease, problem: problem)
                continue
            }
            do {
                let stored = try await stageOut.run(entry.files)
                if let problem = kept.problem(with: stored) {
                    await refuse(claim, lease: lease, problem: problem)
                    continue
                }
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

    /// Files that are not what the holding pilot kept: the job fails
    /// (1172, retryable, so it runs again) instead of finishing with them.
    private func refuse(_ claim: RecoveryArea.Claimed, lease: String, problem: String) async {
        let entry = claim.entry
        log.info("recovery of job \(entry.jobID) refused: \(problem); failing it")
        let diagnostic = "outputs changed in the recovery area after they were kept: \(problem)"
        do {
            _ = try await client.update(JobUpdate(jobID: entry.jobID, attempt: entry.attempt, lease: lease, state: .failed,
                                                  errorCode: ErrorCode.stageOutChecksum.number, errorDiag: diagnostic))
        } catch {
            log.info("job \(entry.jobID): the failure was not reported (\(error)); the holding timeout will end it")
        }
        area.remove(claim)
    }
}
