import Foundation
import PandaClient
import PandaCore

/// Runs one job on this node, step by step: work directory, stage-in,
/// payload under its watches, stage-out of outputs and log, final report,
/// clean-up. Each step is its own type; this one only orders them.
///
/// ```swift
/// let outcome = await runner.run(job)
/// ```
struct JobRunner {
    let settings: PilotSettings
    let client: PandaClient
    /// Tries harder than `client`: a final report is worth waiting for.
    let reporter: PandaClient
    let storage: StorageAccess
    let log: PilotLog
    let trap: SignalTrap
    /// The payload must end by then, so the pilot can still report.
    let payloadDeadline: ContinuousClock.Instant

    /// How long to wait for the pilot's own signal after its payload was killed by one.
    static let signalGrace = TimeSpan.milliseconds(300)

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

    func run(_ job: DispatchedJob) async -> Outcome {
        let started = ContinuousClock.now
        var timings = StepTimings()
        let work = settings.workArea + "/panda_\(job.id)_\(job.attempt)_\(RandomHex.make(bits: 32))"
        guard mkdir(work, 0o700) == 0 else {
            let failure = JobFailure(ErrorCode.generalError, "cannot create \(work): \(String(cString: strerror(errno)))")
            return await report(job, .failed, failure: failure, exit: nil, peak: 0, outputs: nil, timings: timings)
        }
        log.follow(jobLog: work + "/pilot.log")
        defer {
            log.follow(jobLog: nil)
            try? FileManager.default.removeItem(atPath: work)
        }
        log.info("job \(job.id) attempt \(job.attempt): \(job.spec.payload.executable) in \(work)")
        let control = JobControl(killGrace: settings.killGrace)
        trap.guardJob(control)
        defer { trap.guardJob(nil) }
        timings.setup = (ContinuousClock.now - started).seconds

        if !job.spec.inputs.isEmpty {
            let stageInStart = ContinuousClock.now
            _ = try? await client.update(JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: .starting))
            do {
                try await StageIn(storage: storage, copytools: job.limits.copytools, retries: settings.transferRetries, log: log,
                                  readFrom: job.limits.readFrom)
                    .run(job.spec.inputs, into: work)
            } catch {
                timings.stageIn = (ContinuousClock.now - stageInStart).seconds
                return await finish(job, failure: error, exit: nil, peak: 0, work: work, timings: timings)
            }
            timings.stageIn = (ContinuousClock.now - stageInStart).seconds
        }
        if let reason = control.reason {
            return await finish(job, failure: reason, exit: nil, peak: 0, work: work, timings: timings)
        }

        let payloadStart = ContinuousClock.now
        let (exit, peak): (PayloadExit?, Int64)
        do {
            (exit, peak) = try await runPayload(job, in: work, control: control)
        } catch {
            return await finish(job, failure: error, exit: nil, peak: 0, work: work, timings: timings)
        }
        timings.payload = (ContinuousClock.now - payloadStart).seconds
        if exit?.signal != nil && control.reason == nil {
            // Batch systems signal every process of the job at once (Slurm's
            // scancel does): the payload may die before the pilot's own
            // signal is handled. Give it a moment, so the job is reported with
            // the signal's code (retryable), not as a payload failure.
            await trap.sleep(Self.signalGrace)
        }
        if control.leaseLost {
            log.info("job \(job.id) abandoned: \(control.reason?.diagnostic ?? "lease lost")")
            return .abandoned
        }
        let failure = control.reason ?? Self.failure(of: exit)
        return await finish(job, failure: failure, exit: exit, peak: peak, work: work, timings: timings)
    }

    /// Spawns the payload, reports it running, and watches it until it exits.
    private func runPayload(_ job: DispatchedJob, in work: String, control: JobControl) async throws(JobFailure) -> (PayloadExit, Int64) {
        let command = try PayloadCommand(job: job, workDirectory: work, queue: settings.queue,
                                         inherited: ProcessInfo.processInfo.environment)
        let stdout = work + "/payload.stdout", stderr = work + "/payload.stderr"
        let payload = try PayloadProcess.spawn(command, stdout: stdout, stderr: stderr)
        control.attach(payload)
        // Reported once the payload has run for a moment: a job that ends
        // sooner goes straight from sent to its final state (the state table
        // allows it), which saves the server a third request per short job.
        // The final report waits for this one, so order holds.
        let running = Task { [client] in
            guard await payload.exit(within: Self.runningReportDelay) == nil else { return }
            _ = try? await client.update(JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: .running))
        }
        let walltimeEnd = payload.started + job.limits.walltime.duration
        let deadline = min(walltimeEnd, payloadDeadline)
        let reason = deadline == walltimeEnd
            ? "payload ran for its walltime of \(job.limits.walltime)"
            : "payload stopped before the batch slot ends, so the pilot can still report"
        let watches = Watches.all(for: job, payload: payload, directory: work, stdout: stdout, stderr: stderr,
                                  deadline: deadline, deadlineReason: reason)
        let heartbeat = Heartbeat(client: client, job: job, lease: job.lease, log: log)
        let peak = await PayloadMonitor(watches: watches, interval: settings.watchInterval)
            .run(until: payload, control: control, heartbeat: heartbeat)
        let exit = await payload.exit()
        await running.value
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
    private func finish(_ job: DispatchedJob, failure: JobFailure?, exit: PayloadExit?, peak: Int64, work: String,
                        timings: StepTimings) async -> Outcome {
        var timings = timings
        var failure = failure
        let stageOutStart = ContinuousClock.now
        let plan = OutputPlan(job: job, work: work)
        var files: [OutgoingFile] = []
        if failure == nil {
            do { files = try plan.outputs() } catch { failure = error }
        }
        if let logFile = plan.logTarball(log: log) { files.append(logFile) }
        let stageOut = StageOut(storage: storage, retries: settings.transferRetries, log: log)
        var stored: [StoredFile]?
        do throws(JobFailure) {
            if failure == nil, let missing = plan.missingDestination {
                throw missing
            }
            stored = try await stageOut.run(files)
        } catch {
            timings.stageOut = (ContinuousClock.now - stageOutStart).seconds
            if failure == nil {
                return await hold(job, files: files, because: error, exit: exit, peak: peak, timings: timings)
            }
            log.info("the log of failed job \(job.id) was not stored: \(error.diagnostic)")
        }
        timings.stageOut = (ContinuousClock.now - stageOutStart).seconds
        return await report(job, failure == nil ? .finished : .failed, failure: failure, exit: exit, peak: peak,
                            outputs: stored, timings: timings)
    }

    private func hold(_ job: DispatchedJob, files: [OutgoingFile], because error: JobFailure, exit: PayloadExit?, peak: Int64,
                      timings: StepTimings) async -> Outcome {
        do {
            try RecoveryArea(root: settings.recoveryArea, queue: settings.queue).keep(job: job, queue: settings.queue, files: files)
            log.info("job \(job.id) outputs kept in \(settings.recoveryArea)/\(settings.queue) for recovery: \(error.diagnostic)")
            return await report(job, .holding, failure: error, exit: exit, peak: peak, outputs: nil, timings: timings)
        } catch let keepError {
            let failure = JobFailure(error.code, "\(error.diagnostic); the outputs could not be kept for recovery either: \(keepError)")
            return await report(job, .failed, failure: failure, exit: exit, peak: peak, outputs: nil, timings: timings)
        }
    }

    private func report(_ job: DispatchedJob, _ state: JobState, failure: JobFailure?, exit: PayloadExit?, peak: Int64,
                        outputs: [StoredFile]?, timings: StepTimings) async -> Outcome {
        let update = JobUpdate(
            jobID: job.id, attempt: job.attempt, lease: job.lease, state: state, exitCode: exit?.code.map(Int.init),
            errorCode: failure?.code.number, errorDiag: failure?.diagnostic, cpuSeconds: exit?.cpuSeconds,
            maxRSS: peak > 0 ? ByteCount(bytes: peak) : nil, outputs: outputs, timings: timings)
        do {
            let reply = try await reporter.update(update)
            log.info("job \(job.id) reported \(state.rawValue)" + (failure.map { " (\($0))" } ?? "") + "; server: \(reply.state.rawValue)")
        } catch {
            log.info("job \(job.id) final report failed: \(error)")
        }
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
