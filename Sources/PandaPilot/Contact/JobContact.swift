import PandaClient
import PandaCore

/// Keeps the server in touch with one job through every step — stage-in,
/// payload, stage-out — until the final report: a heartbeat (an update in
/// the state last reported) every `heartbeat`, and between heartbeats a
/// command poll (a read) every `command_poll`. A `kill` in the reply to any
/// of them, or to the starting and running reports, stops the job; a
/// refusal (404/409) or a job the server ended means the lease is gone.
///
/// ```swift
/// let contact = JobContact(client: client, job: job, control: control, log: log)
/// let beats = Task { await contact.run() }
/// await contact.report(.starting)
/// ...
/// await contact.finish(beats)   // before the final report
/// ```
actor JobContact {
    let client: PandaClient
    let job: DispatchedJob
    let control: JobControl
    let log: PilotLog
    /// Nothing reported yet is `sent`, as the server sees it.
    private var reported: JobState = .sent
    private var lastContact = ContinuousClock.now
    private var lastHeartbeat = ContinuousClock.now
    private var finished = false
    private let gate = SerialGate()

    /// Servers without `pilot/get_command` send no poll interval: then only heartbeats.
    var pollInterval: TimeSpan? { job.limits.commandPoll }

    init(client: PandaClient, job: DispatchedJob, control: JobControl, log: PilotLog) {
        self.client = client
        self.job = job
        self.control = control
        self.log = log
    }

    /// A state report (starting, running) whose reply is honoured like a heartbeat's.
    func report(_ state: JobState) async {
        guard !finished else { return }
        await gate.run { await self.send(state) }
    }

    /// The loop, until `finish`: sleeps in short steps so it ends promptly.
    func run() async {
        // Spread the first poll, so pilots whose jobs started together do
        // not poll together; never later than the interval, which bounds kill latency.
        var pollSpread = Double.random(in: 0.8...1.0)
        while !finished {
            let now = ContinuousClock.now
            if now - lastHeartbeat >= job.limits.heartbeat.duration {
                await gate.run { await self.send(self.heartbeatState) }
            } else if let poll = pollInterval, now - lastContact >= poll.duration * pollSpread {
                await self.poll()
                pollSpread = Double.random(in: 0.8...1.0)
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Ends the loop and waits for it, so no heartbeat follows the final
    /// report. Cancelling wakes its sleep at once (a short job must not wait
    /// out a tick); a request in flight still ends before this returns.
    func finish(_ loop: Task<Void, Never>) async {
        finished = true
        loop.cancel()
        await loop.value
        await gate.run {}
    }

    /// Before the job has reported anything, a heartbeat says starting.
    private var heartbeatState: JobState { reported == .sent ? .starting : reported }

    private func send(_ state: JobState) async {
        do {
            let reply = try await client.update(JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: state))
            reported = state
            lastHeartbeat = ContinuousClock.now
            lastContact = lastHeartbeat
            honour(reply, after: state.rawValue)
        } catch {
            failed(error, doing: "\(state.rawValue) report")
        }
    }

    private func poll() async {
        do {
            let reply = try await client.pollCommand(CommandPoll(jobID: job.id, attempt: job.attempt, lease: job.lease))
            lastContact = ContinuousClock.now
            honour(reply, after: "command poll")
        } catch {
            // Count a failed poll as contact too: the next one comes an interval later, not at once.
            lastContact = ContinuousClock.now
            failed(error, doing: "command poll")
        }
    }

    private func honour(_ reply: UpdateReply, after what: String) {
        if reply.command == .kill {
            log.info("the server asks to kill job \(job.id) (in the reply to its \(what))")
            control.stop(JobFailure(ErrorCode.killedByServer, "killed on the server's command"))
        } else if reply.state.isFinal || reply.state == .activated {
            log.info("job \(job.id) is \(reply.state.rawValue) on the server; stopping it")
            control.loseLease("the server has the job \(reply.state.rawValue)")
        }
    }

    private func failed(_ error: ClientError, doing what: String) {
        if case .refused(let status, let message) = error, status == 404 || status == 409 {
            log.info("job \(job.id) is no longer ours: \(message)")
            control.loseLease(message)
        } else {
            // The server may be briefly away; the job goes on, and the next beat tries again.
            log.info("\(what) for job \(job.id) failed: \(error)")
        }
    }
}

/// Runs async bodies one at a time, in arrival order: reports and
/// heartbeats must reach the server in the order their states were reached.
actor SerialGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run(_ body: @Sendable () async -> Void) async {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        await body()
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
