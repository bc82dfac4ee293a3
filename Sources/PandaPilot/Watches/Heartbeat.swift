import PandaClient
import PandaCore

/// Tells the server the job is running every heartbeat interval; the reply
/// may carry `kill` (1144), and a refusal means the lease is gone.
struct Heartbeat: Sendable {
    let client: PandaClient
    let job: DispatchedJob
    let lease: String
    let log: PilotLog

    func run(until payload: PayloadProcess, control: JobControl) async {
        while await payload.exit(within: job.limits.heartbeat) == nil {
            do {
                let reply = try await client.update(JobUpdate(jobID: job.id, attempt: job.attempt, lease: lease, state: .running))
                if reply.command == .kill {
                    log.info("the server asks to kill job \(job.id)")
                    control.stop(JobFailure(ErrorCode.killedByServer, "killed on the server's command"))
                }
            } catch .refused(let status, let message) where status == 404 || status == 409 {
                log.info("job \(job.id) is no longer ours: \(message)")
                control.loseLease(message)
            } catch {
                // The server may be briefly away; the job goes on, and the next beat tries again.
                log.info("heartbeat for job \(job.id) failed: \(error)")
            }
        }
    }
}
