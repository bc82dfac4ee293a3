import Foundation
import Logging
import PandaCore
import PandaStore
import PandaSystem
import ServiceLifecycle
import Synchronization

/// Whether the server can still do its job, as /healthz and the watchdog see it.
final class HealthState: Sendable {
    private let state = Mutex<(lastSuccess: ContinuousClock.Instant?, problem: String, probing: Bool)>((nil, "starting", false))
    let staleness: Duration

    init(staleness: Duration) {
        self.staleness = staleness
    }

    /// Healthy while the last successful store probe is recent.
    var isHealthy: Bool {
        state.withLock { state in
            guard let last = state.lastSuccess else { return false }
            return ContinuousClock.now - last < staleness
        }
    }

    /// What is wrong, with the store's own error text: for the operator
    /// (systemd's STATUS=, the log), never for an HTTP client.
    var problem: String {
        state.withLock { $0.lastSuccess == nil ? $0.problem : "the store has not committed for \(staleness): \($0.problem)" }
    }

    /// What is wrong, as /healthz says it to anyone who asks: the kind of
    /// failure, without the database's text (paths, SQL, errno).
    var publicProblem: String {
        state.withLock { state in
            if state.lastSuccess != nil { return "the database has not answered for \(staleness); the server log says why" }
            return state.problem == "starting" ? "starting" : "the database cannot be reached; the server log says why"
        }
    }

    /// Starts a probe unless one is still out (a wedged store holds one forever).
    func beginProbe() -> Bool {
        state.withLock { state in
            guard !state.probing else { return false }
            state.probing = true
            return true
        }
    }

    /// Records a probe's outcome; returns the error's text when it differs
    /// from the last one recorded, so the log says each new failure once.
    @discardableResult
    func endProbe(error: Error?) -> String? {
        state.withLock { state in
            state.probing = false
            guard let error else { state.lastSuccess = .now; return nil }
            let text = "\(error)"
            defer { state.problem = text }
            return text == state.problem ? nil : text
        }
    }
}

/// Proves the server alive to systemd: probes the store, sends `WATCHDOG=1`
/// only while probes succeed, and keeps `STATUS=` and the job gauges current.
struct HealthService: Service {
    let store: any JobStore
    let health: HealthState
    let metrics: ServerMetrics
    let systemd: SystemdNotifier
    /// Where a failing probe's error text goes (/healthz only says that it failed).
    let logger: Logger

    /// Half the watchdog interval systemd asked for (at most 5 s), or one second.
    static func tick(for systemd: SystemdNotifier) -> Duration {
        systemd.watchdogInterval.map { min($0, .seconds(5)) } ?? .seconds(1)
    }

    var tick: Duration { Self.tick(for: systemd) }

    func run() async throws {
        var sinceStatus = Duration.seconds(60)
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully {
                if health.beginProbe() {
                    let store = store, health = health, logger = logger
                    Task {
                        do {
                            try await store.probe()
                            health.endProbe(error: nil)
                        } catch {
                            if let text = health.endProbe(error: error) { logger.error("the store's health probe failed: \(text)") }
                        }
                    }
                }
                if health.isHealthy, systemd.watchdogInterval != nil {
                    systemd.watchdog()
                }
                sinceStatus += tick
                if sinceStatus >= .seconds(5) {
                    sinceStatus = .zero
                    await reportStatus()
                }
                guard await pauseUnlessStopping(tick) else { return }
            }
        } onGracefulShutdown: {
            systemd.stopping()
        }
    }

    private func reportStatus() async {
        guard let summary = try? await store.summary() else { return }
        metrics.recordStates(summary)
        let running = [JobState.sent, .starting, .running].reduce(0) { $0 + summary.total($1) }
        var text = "\(summary.total(.activated)) activated, \(running) running, \(summary.total(.finished)) finished, "
            + "\(summary.total(.failed)) failed; \(metrics.dispatchesLastMinute) dispatches/min"
        if !health.isHealthy { text += "; UNHEALTHY: \(health.problem)" }
        systemd.status(text)
    }
}
