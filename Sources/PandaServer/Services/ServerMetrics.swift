import Foundation
import PandaCore
import Prometheus
import Synchronization

/// The server's Prometheus metrics: requests by route and status, dispatch
/// latency, jobs by state (from the store's counters), dispatches per minute.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let dispatchLatency: DurationHistogram
    private let dispatched: Counter
    /// Dispatch times of the last minute, for STATUS= and the log.
    private let recentDispatches = Mutex<[ContinuousClock.Instant]>([])

    /// Routes that exist, so an attacker's random paths cannot grow the label set.
    static let knownRoutes: Set<String> = Set(APIRoutes.all.map(\.path) + ["/healthz", "/metrics"])

    public init() {
        dispatchLatency = registry.makeDurationHistogram(
            name: "panda_dispatch_seconds",
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)],
            help: "Time to answer pilot/acquire_jobs, durable commit included")
        dispatched = registry.makeCounter(name: "panda_jobs_dispatched_total", help: "Jobs handed to pilots")
    }

    func countRequest(route: String, status: Int) {
        let label = Self.knownRoutes.contains(route) ? route : "other"
        registry.makeCounter(name: "panda_http_requests_total", labels: [("route", label), ("status", String(status))],
                             help: "HTTP requests by route and status").increment()
    }

    func recordDispatch(jobs: Int, took duration: Duration) {
        dispatchLatency.record(duration)
        guard jobs > 0 else { return }
        dispatched.increment(by: Int64(jobs))
        let now = ContinuousClock.now
        recentDispatches.withLock { times in
            times.append(contentsOf: repeatElement(now, count: jobs))
            let cutoff = now - .seconds(60)
            if let first = times.firstIndex(where: { $0 >= cutoff }), first > 0 { times.removeFirst(first) }
        }
    }

    var dispatchesLastMinute: Int {
        let cutoff = ContinuousClock.now - .seconds(60)
        return recentDispatches.withLock { times in times.count(where: { $0 >= cutoff }) }
    }

    func recordStates(_ summary: StateSummary) {
        for state in JobState.allCases {
            registry.makeGauge(name: "panda_jobs", labels: [("state", state.rawValue)], help: "Jobs by state")
                .set(Double(summary.total(state)))
        }
    }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
