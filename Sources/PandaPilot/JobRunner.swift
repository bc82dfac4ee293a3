import Foundation
import PandaClient
import PandaCore
import PandaSystem

/// Runs one job on this node, step by step: work directory, stage-in,
/// payload under its watches, stage-out of outputs and log, final report,
/// clean-up. Each step is its own type; this one only orders them. The
/// server hears from the job through every step (`JobContact`), and a stop
/// (kill, signal, watch) cancels whichever step is in flight.
///
/// ```swift
/// let outcome = await runner.run(job)
/// ```
struct JobRunner {
    let settings: PilotSettings
    let client: PandaClient
    /// Final reports go through it: kept on disk until the server has them.
    let outbox: FinalReportOutbox
    let storage: StorageAccess
    let log: PilotLog
    let trap: SignalTrap
    /// The payload must end by then, so the pilot can still report.
    let payloadDeadline: ContinuousClock.Instant
    /// Who the payload runs as, when the pilot may switch identity.
    let payloadUser: Spawn.Identity?

    /// How long to wait for the pilot's own signal after its payload was killed by one.
    static let signalGrace = TimeSpan.seconds(2)

    /// How long a payload runs before the pilot reports it running.
    static let runningReportDelay = TimeSpan.seconds(1)

    enum Outcome: Equatable {
        case finished
        case failed(Int)
        /// Outputs wait in the recovery area.
        case holding
        /// The server took the job back; nothing was reported.
        case abandoned
    }

    /// What every step of one job shares.
    struct Attempt {
        let job: DispatchedJob
        let work: String
        let pilotLog: String
        let control: JobControl
        let contact: JobContact
        let contactLoop: Task<Void, Never>
    }

    func run(_ job: DispatchedJob) async -> Outcome {
        let started = ContinuousClock.now
        var timings = StepTimings()
        let work = settings.workArea + "/panda_\(job.id)_\(job.attempt)_\(RandomHex.make(bits: 32))"
        // The pilot's log of the job stays beside the work directory, in a
        // directory of the pilot's own: the payload may own the work directory.
        let privateDirectory = work + ".pilot"
        let control = JobControl(killGrace: settings.killGrace)
        let contact = JobContact(client: client, job: job, control: control, log: log)
        let attempt = Attempt(job: job, work: work, pilotLog: privateDirectory + "/pilot.log", control: control, contact: contact,
                              contactLoop: Task { await contact.run() })
        guard mkdir(work, 0o700) == 0, mkdir(privateDirectory, 0o700) == 0 else {
            let failure = JobFailure(ErrorCode.generalError, "cannot create \(work): \(String(cString: strerror(errno)))")
            return await report(attempt, .failed, failure: failure, exit: nil, peak: 0, outputs: nil, timings: timings)
        }
        log.follow(jobLog: attempt.pilotLog)
        defer {
            log.follow(jobLog: nil)
            try? FileManager.default.removeItem(atPath: work)
            try? FileManager.default.removeItem(atPath: privateDirectory)
        }
        log.info("job \(job.id) attempt \(job.attempt): \(job.spec.payload.executable) in \(work)"
                 + (payloadUser.map { " as \($0)" } ?? ""))
        trap.guardJob(control)
        defer { trap.guardJob(nil) }
        timings.setup = (ContinuousClock.now - started).seconds

        if !job.spec.inputs.isEmpty && control.reason == nil {
            let stageInStart = ContinuousClock.now
            await contact.report(.starting)
            let stageIn = StageIn(storage: storage, copytools: job.limits.copytools, retries: settings.transferRetries, log: log,
                                  readFrom: job.limits.readFrom)
            do {
                try await control.cancellable { () throws(JobFailure) in try await stageIn.run(job.spec.inputs, into: work) }
            } catch {
                timings.stageIn = (ContinuousClock.now - stageInStart).seconds
                if control.leaseLost { return await abandon(attempt) }
                return await finish(attempt, failure: control.reason ?? error, exit: nil, peak: 0, timings: timings)
            }
            timings.stageIn = (ContinuousClock.now - stageInStart).seconds
        }
        if control.leaseLost { return await abandon(attempt) }
        if let reason = control.reason {
            return await finish(attempt, failure: reason, exit: nil, peak: 0, timings: timings)
        }

        let payloadStart = ContinuousClock.now
        let (exit, peak): (PayloadExit?, Int64)
        do {
            (exit, peak) = try await runPayload(attempt)
        } catch {
            return await finish(attempt, failure: error, exit: nil, peak: 0, timings: timings)
        }
        timings.payload = (ContinuousClock.now - payloadStart).seconds
        // A shell payload whose child a signal killed exits 128+N itself.
        let diedOfSignal = exit?.signal != nil || (exit?.code).map { (129...192).contains($0) } == true
        if diedOfSignal && control.reason == nil {
            // Batch systems signal every process of the job at once (Slurm's
            // scancel does): the payload may die before the pilot's own
            // signal is handled. Give it a moment, so the job is reported with
            // the signal's code (retryable), not as a payload failure.
            await trap.sleep(Self.signalGrace)
        }
        if control.leaseLost { return await abandon(attempt) }
        let failure = control.reason ?? Self.failure(of: exit)
        return await finish(attempt, failure: failure, exit: exit, peak: peak, timings: timings)
    }

    private func abandon(_ attempt: Attempt) async -> Outcome {
        await attempt.contact.finish(attempt.contactLoop)
        ProcessTree.killDescendants(log: log)
        log.info("job \(attempt.job.id) abandoned: \(attempt.control.reason?.diagnostic ?? "lease lost")")
        return .abandoned
    }

    /// Spawns the payload, reports it running, and watches it until it
    /// exits; then nothing it started is left, and the work directory is the
    /// pilot's again.
    private func runPayload(_ attempt: Attempt) async throws(JobFailure) -> (PayloadExit, Int64) {
        let job = attempt.job, work = attempt.work, control = attempt.control
        let command = try PayloadCommand(job: job, workDirectory: work, queue: settings.queue,
                                         inherited: ProcessInfo.processInfo.environment, user: payloadUser)
        let stdout = work + "/payload.stdout", stderr = work + "/payload.stderr"
        if let payloadUser { try WorkDirectoryHandover.give(work, to: payloadUser) }
        let payload: PayloadProcess
        do {
            payload = try PayloadProcess.spawn(command, stdout: stdout, stderr: stderr, identity: payloadUser)
        } catch {
            if payloadUser != nil { try WorkDirectoryHandover.takeBack(work) }
            throw error
        }
        control.attach(payload)
        // Reported once the payload has run for a moment: a job that ends
        // sooner goes straight from sent to its final state (the state table
        // allows it), which saves the server a third request per short job.
        // The final report waits for this one, so order holds.
        let running = Task { [contact = attempt.contact] in
            guard await payload.exit(within: Self.runningReportDelay) == nil else { return }
            await contact.report(.running)
        }
        let walltimeEnd = payload.started + job.limits.walltime.duration
        let deadline = min(walltimeEnd, payloadDeadline)
        let reason = deadline == walltimeEnd
            ? "payload ran for its walltime of \(job.limits.walltime)"
            : "payload stopped before the batch slot ends, so the pilot can still report"
        let watches = Watches.all(for: job, payload: payload, directory: work, stdout: stdout, stderr: stderr,
                                  deadline: deadline, deadlineReason: reason)
        let peak = await PayloadMonitor(watches: watches, interval: settings.watchInterval).run(until: payload, control: control)
        let exit = await payload.exit()
        // Measured on the pilot's monotonic clock from spawn to exit: a
        // payload that stopped its pilot (SIGSTOP, same uid) past the
        // walltime and exited before it was continued still overran it.
        if exit.duration > job.limits.walltime.duration {
            control.stop(JobFailure(ErrorCode.walltimeExceeded, "payload ran for \(Int(exit.duration.seconds)) s, past its walltime of "
                                    + "\(job.limits.walltime) (its pilot was stopped or delayed meanwhile)"))
        }
        await running.value
        // Processes that left the payload's group (setsid, double fork) were
        // reparented to the pilot, a child subreaper: none outlives the job.
        ProcessTree.killDescendants(log: log)
        if payloadUser != nil { try WorkDirectoryHandover.takeBack(work) }
        log.info("payload of job \(job.id) ended: " + (exit.code.map { "exit code \($0)" } ?? "signal \(exit.signal ?? 0)"))
        return (exit, max(peak, exit.maxRSSBytes))
    }

    /// The error a payload's own end means, nil for success.
    static func failure(of exit: PayloadExit?) -> JobFailure? {
        guard let exit else { return nil }
        if let signal = exit.signal {
            return JobFailure(.payloadFailed, "payload was killed by signal \(signal) (\(String(cString: strsignal(signal))))")
        }
        guard let code = exit.code, let error = ErrorCode.forPayloadExit(code) else { return nil }
        return JobFailure(error, "payload exited with code \(code)")
    }

    /// Stage-out and the final report. A succeeded payload whose outputs
    /// cannot be stored goes to the recovery area and is reported holding.
    private func finish(_ attempt: Attempt, failure: JobFailure?, exit: PayloadExit?, peak: Int64, timings: StepTimings) async -> Outcome {
        let job = attempt.job, control = attempt.control
        var timings = timings
        var failure = failure
        let stageOutStart = ContinuousClock.now
        let plan = OutputPlan(job: job, work: attempt.work)
        var files: [OutgoingFile] = []
        if failure == nil {
            do { files = try plan.outputs() } catch { failure = error }
        }
        if let logFile = plan.logTarball(log: log, pilotLog: attempt.pilotLog) { files.append(logFile) }
        let stageOut = StageOut(storage: storage, catalogue: client, retries: settings.transferRetries, log: log)
        var stored: [StoredFile]?
        do throws(JobFailure) {
            if failure == nil, let missing = plan.missingDestination {
                throw missing
            }
            // A kill that comes now stops the stage-out too; a job already
            // failing keeps its reason and only its log is sent.
            let outgoing = files
            stored = try await control.cancellable { () throws(JobFailure) in try await stageOut.run(outgoing) }
        } catch {
            timings.stageOut = (ContinuousClock.now - stageOutStart).seconds
            if control.leaseLost { return await abandon(attempt) }
            if failure == nil, let reason = control.reason {
                failure = reason
            } else if failure == nil, error.code == ErrorCode.outputRegistered {
                // Nothing was written; the job fails with the reason, and its log is sent if its own name is free.
                failure = error
                let logs = files.filter(\.isLog)
                stored = try? await control.cancellable { () throws(JobFailure) in try await stageOut.run(logs) }
            } else if failure == nil {
                return await hold(attempt, files: files, because: error, exit: exit, peak: peak, timings: timings)
            } else {
                log.info("the log of failed job \(job.id) was not stored: \(error.diagnostic)")
            }
        }
        timings.stageOut = (ContinuousClock.now - stageOutStart).seconds
        if control.leaseLost { return await abandon(attempt) }
        if failure == nil, let reason = control.reason { failure = reason }
        return await report(attempt, failure == nil ? .finished : .failed, failure: failure, exit: exit, peak: peak,
                            outputs: failure == nil ? stored : stored?.filter(\.isLog), timings: timings)
    }

    private func hold(_ attempt: Attempt, files: [OutgoingFile], because error: JobFailure, exit: PayloadExit?, peak: Int64,
                      timings: StepTimings) async -> Outcome {
        let job = attempt.job
        do {
            let kept = try RecoveryArea(root: settings.recoveryArea, queue: settings.queue).keep(job: job, queue: settings.queue, files: files)
            log.info("job \(job.id) outputs kept in \(settings.recoveryArea)/\(settings.queue) for recovery: \(error.diagnostic)")
            // The server keeps what was kept: the recovering pilot checks the files against it.
            return await report(attempt, .holding, failure: error, exit: exit, peak: peak, outputs: kept, timings: timings)
        } catch let keepError {
            let failure = JobFailure(error.code, "\(error.diagnostic); the outputs could not be kept for recovery either: \(keepError)")
            return await report(attempt, .failed, failure: failure, exit: exit, peak: peak, outputs: nil, timings: timings)
        }
    }

    private func report(_ attempt: Attempt, _ state: JobState, failure: JobFailure?, exit: PayloadExit?, peak: Int64,
                        outputs: [StoredFile]?, timings: StepTimings) async -> Outcome {
        let job = attempt.job
        await attempt.contact.finish(attempt.contactLoop)
        let update = JobUpdate(
            jobID: job.id, attempt: job.attempt, lease: job.lease, state: state, exitCode: exit?.code.map(Int.init),
            errorCode: failure?.code.number, errorDiag: failure?.diagnostic, cpuSeconds: exit?.cpuSeconds,
            maxRSS: peak > 0 ? ByteCount(bytes: peak) : nil, outputs: outputs, timings: timings)
        await outbox.deliver(update, summary: failure.map { " (\($0))" } ?? "")
        switch state {
        case .finished: return .finished
        case .holding: return .holding
        default: return .failed(failure?.code.number ?? ErrorCode.payloadFailed.number)
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
