import Foundation
import PandaClient
import PandaCore

/// `panda pilot`: what a batch job runs on a worker node. It checks the
/// node, finishes jobs earlier pilots left for recovery, then takes jobs
/// one after another while the batch slot has time for them.
///
/// ```swift
/// let status = await PandaPilotRole(settings: settings).run()   // the process's exit status
/// ```
public struct PandaPilotRole: Sendable {
    let settings: PilotSettings

    /// Exit statuses a batch system (and its operator) can tell apart.
    public enum ExitStatus {
        public static let done: Int32 = 0
        public static let setupFailed: Int32 = 1
        public static let nodeRefused: Int32 = 3
        /// Plus the signal number, as a shell would report it.
        public static let signalled: Int32 = 128
    }

    public init(settings: PilotSettings) {
        self.settings = settings
    }

    public func run() async -> Int32 {
        let log = PilotLog(prefix: "pilot[\(getpid())]")
        let trap = SignalTrap()
        let client = PandaClient(servers: settings.servers, token: settings.token, settings: settings.api)
        let started = ContinuousClock.now
        // Orphans of payloads (setsid, double fork) come to the pilot, which kills them at the end of each job.
        if !ProcessTree.becomeSubreaper() { log.info("cannot become a child subreaper: \(String(cString: strerror(errno)))") }
        let queue: QueueInfo
        do {
            queue = try await client.queueInfo(settings.queue)
        } catch {
            log.info("cannot learn queue \(settings.queue): \(error)")
            return ExitStatus.setupFailed
        }
        let lifetime = settings.lifetime
            ?? BatchSlot.end(environment: ProcessInfo.processInfo.environment).map { TimeSpan(milliseconds: Int64($0.timeIntervalSinceNow * 1000)) }
            ?? queue.pilotWalltime
        // Time kept back at the end of the slot for stage-out and the final report.
        let reserve = PilotTimeBudget.reserve(lifetime: lifetime)
        let slotEnd = started + lifetime.duration
        let payloadDeadline = slotEnd - reserve.duration

        do {
            try FileManager.default.createDirectory(atPath: settings.workArea, withIntermediateDirectories: true)
        } catch {
            log.info("cannot create the work area \(settings.workArea): \(error.localizedDescription)")
            return ExitStatus.setupFailed
        }
        let node = NodeResources.measure(workArea: settings.workArea)
        if let refusal = NodeCheck(queue: queue).refusal(node: node, timeLeft: TimeSpan(milliseconds: lifetime.milliseconds - reserve.milliseconds)) {
            log.info("refusing to run on \(node.hostname): \(refusal)")
            if case .nodeRefused(let code, let message) = refusal {
                try? await client.reportNode(NodeReport(queue: settings.queue, node: node.hostname, pilot: settings.pilotID,
                                                        errorCode: code.number, diagnostic: message))
            }
            return ExitStatus.nodeRefused
        }
        log.info("on \(node.hostname) for queue \(settings.queue): \(node.cores) cores, \(node.memory) memory, "
                 + "\(node.disk) free in \(settings.workArea), lifetime \(lifetime)")

        let outbox: FinalReportOutbox
        let payloadUser: PayloadUserPool?
        do {
            try PrivateDirectory.ensure(settings.stateDirectory)
            let directory = settings.stateDirectory + "/outbox/" + settings.queue
            try PrivateDirectory.ensure(directory)
            outbox = FinalReportOutbox(directory: directory, client: client, log: log)
            payloadUser = try PayloadUserPool.claim(settings.payloadUsers, stateDirectory: settings.stateDirectory, host: node.hostname)
        } catch {
            log.info("cannot set up the pilot's state: \(error)")
            return ExitStatus.setupFailed
        }
        if let payloadUser {
            log.info("payloads run as \(payloadUser.identity)")
        } else {
            // Only with pilot.shared_uid: accept (`panda pilot` refuses otherwise).
            let who = geteuid() == 0 ? "as root, so they can read everything the pilot can" : "under the pilot's own uid"
            let why = settings.payloadUsers.isEmpty ? "no pilot.payload_user" : "this pilot cannot switch identity (not root, no CAP_SETUID/CAP_SETGID)"
            log.info("payloads run \(who) (\(why); pilot.shared_uid: accept): a payload can kill or stop its pilot and rewrite "
                     + "what the pilot keeps on this node")
        }
        // Reports earlier pilots could not deliver go first: a holding
        // report must arrive before the recovery that needs it.
        await outbox.deliverPending()
        let storage = StorageAccess(settings: settings.storage)
        await JobRecovery(client: client, area: RecoveryArea(root: settings.recoveryArea, queue: settings.queue),
                          stageOut: StageOut(storage: storage, catalogue: client, retries: settings.transferRetries, log: log),
                          node: node.hostname, pilot: settings.pilotID, log: log).run()

        let runner = JobRunner(settings: settings, client: client, outbox: outbox, storage: storage, log: log, trap: trap,
                               payloadDeadline: payloadDeadline, payloadUser: payloadUser?.identity)
        var jobsRun = 0
        var idleSince = ContinuousClock.now
        var backoff = IdleBackoff()
        while trap.received == nil {
            if settings.once && jobsRun > 0 { break }
            // A report the server missed goes before the next acquire (a readdir when there is none).
            if jobsRun > 0 { await outbox.deliverPending() }
            let remaining = payloadDeadline - ContinuousClock.now
            guard remaining > .seconds(1) else {
                log.info("batch slot nearly over; stopping")
                break
            }
            // Host name and cores do not change; memory and disk are measured again.
            var current = node
            current.memory = NodeResources.availableMemory()
            current.disk = NodeResources.freeDisk(at: settings.workArea)
            let ask = AcquireRequest(
                queue: settings.queue, node: current.hostname, cores: min(current.cores, queue.corecount),
                memory: min(current.memory, queue.maxrss), disk: min(current.disk, queue.maxwdir),
                remaining: TimeSpan(milliseconds: Int64(remaining.seconds * 1000)), nJobs: 1, pilot: settings.pilotID)
            let job: DispatchedJob?
            do {
                let reply = try await client.acquire(ask)
                if let why = reply.unmatched { log.info("no job for this pilot: \(why)") }
                job = reply.jobs.first
            } catch .refused(let status, let message) {
                log.info("the server refuses to give work (\(status)): \(message)")
                return ExitStatus.setupFailed
            } catch {
                log.info("no answer to acquire: \(error)")
                job = nil
            }
            guard let job else {
                let idle = ContinuousClock.now - idleSince
                guard idle < settings.idleTimeout.duration else {
                    log.info("no work for \(settings.idleTimeout); exiting")
                    break
                }
                await trap.sleep(backoff.next(limit: TimeSpan(milliseconds: Int64((settings.idleTimeout.duration - idle).seconds * 1000))))
                continue
            }
            backoff = IdleBackoff()
            let outcome = await runner.run(job)
            jobsRun += 1
            idleSince = ContinuousClock.now
            log.info("job \(job.id) done: \(outcome)")
        }
        // Undelivered final reports: keep trying while the slot lasts (at
        // most the server's default lost-heartbeat timeout), then leave them
        // for the next pilot.
        await outbox.drain(until: min(slotEnd, ContinuousClock.now + .seconds(2 * 3600)), trap: trap)
        withExtendedLifetime(payloadUser) {}
        log.info("exiting after \(jobsRun) job(s)")
        if let signal = trap.received { return ExitStatus.signalled + signal }
        return ExitStatus.done
    }
}

/// Waits between empty acquires: 1 s doubling to 30 s, with ±25% jitter so
/// pilots that started together do not ask together.
struct IdleBackoff {
    private var next = TimeSpan.seconds(1)
    static let longest = TimeSpan.seconds(30)

    mutating func next(limit: TimeSpan) -> TimeSpan {
        let jittered = Double(next.milliseconds) * Double.random(in: 0.75...1.25)
        next = TimeSpan(milliseconds: min(next.milliseconds * 2, Self.longest.milliseconds))
        return TimeSpan(milliseconds: max(0, min(Int64(jittered), limit.milliseconds)))
    }
}
