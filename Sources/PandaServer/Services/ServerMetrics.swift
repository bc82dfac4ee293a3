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
    /// Dispatches per second over the last minute, for STATUS=: a ring of
    /// 60 buckets, so recording one costs the same however busy the server is.
    private let recentDispatches = Mutex(DispatchRing())

    /// Routes that exist, so an attacker's random paths cannot grow the label set.
    static let knownRoutes: Set<String> = Set(APIRoutes.all.map(\.path) + ["/healthz", "/metrics"])

    public init() {
        dispatchLatency = registry.makeDurationHistogram(
            descriptor: Self.metric("panda_dispatch_seconds", "Time to answer pilot/acquire_jobs, durable commit included"),
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)])
        dispatched = registry.makeCounter(descriptor: Self.metric("panda_jobs_dispatched_total", "Jobs handed to pilots"))
    }

    func countRequest(route: String, status: Int) {
        let label = Self.knownRoutes.contains(route) ? route : "other"
        registry.makeCounter(descriptor: Self.metric("panda_http_requests_total", "HTTP requests by route and status"), labels: [("route", label), ("status", String(status))]).increment()
    }

    func recordDispatch(jobs: Int, took duration: Duration) {
        dispatchLatency.record(duration)
        guard jobs > 0 else { return }
        dispatched.increment(by: Int64(jobs))
        let second = Int64(Date().timeIntervalSince1970)
        recentDispatches.withLock { $0.add(jobs, at: second) }
    }

    /// A pilot refused to start on its node; labels are bounded by the
    /// configured queues and the error catalogue.
    func countNodeRefusal(queue: String, code: Int) {
        registry.makeCounter(descriptor: Self.metric("panda_pilot_node_refusals_total", "Pilots that refused to start on their worker node, by queue and error code"), labels: [("queue", queue), ("code", String(code))]).increment()
    }

    /// An acquire found activated jobs at its queue but none the pilot could
    /// take, counted once per resource it was short of; labels are bounded
    /// by the configured queues and the four resources.
    func countUnmatched(queue: String, resources: [UnmatchedJobs.Resource]) {
        for resource in resources {
            registry.makeCounter(descriptor: Self.metric("panda_acquire_unmatched_total", "Empty acquires at a queue with activated jobs too big for the pilot, by queue and the resource it lacked"), labels: [("queue", queue), ("resource", resource.rawValue)]).increment()
        }
    }

    /// A factory holds back a queue's pilots (they failed quickly): the
    /// seconds left, 0 when it does not; labels bounded by the configured queues.
    func recordBackoff(queue: String, seconds: Double) {
        registry.makeGauge(descriptor: Self.metric("panda_factory_backoff_seconds", "Seconds a factory still holds back new pilots at a queue whose pilots fail quickly, as it last reported"), labels: [("queue", queue)]).set(seconds)
    }

    /// 1 while this server runs the named singleton (sweeper, stats sampler),
    /// 0 while another server does; labels are bounded by `SingletonName`.
    func recordSingleton(_ name: String, held: Bool) {
        registry.makeGauge(descriptor: Self.metric("panda_singleton_held", "1 while this server runs the named periodic work that one server of those sharing the database runs"), labels: [("name", name)]).set(held ? 1.0 : 0.0)
    }

    var dispatchesLastMinute: Int {
        let second = Int64(Date().timeIntervalSince1970)
        return recentDispatches.withLock { $0.total(endingAt: second) }
    }

    func recordStates(_ summary: StateSummary) {
        for state in JobState.allCases {
            registry.makeGauge(descriptor: Self.metric("panda_jobs", "Jobs by state"), labels: [("state", state.rawValue)])
                .set(Double(summary.total(state)))
        }
    }

    /// A descriptor whose name is exactly `name` (no unit suffix added).
    static func metric(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// Counts per second for the last 60 seconds.
struct DispatchRing {
    private var seconds = [Int64](repeating: -1, count: 60)
    private var counts = [Int](repeating: 0, count: 60)

    mutating func add(_ count: Int, at second: Int64) {
        let slot = Int(second % 60)
        if seconds[slot] != second {
            seconds[slot] = second
            counts[slot] = 0
        }
        counts[slot] += count
    }

    func total(endingAt second: Int64) -> Int {
        zip(seconds, counts).reduce(0) { sum, entry in second - entry.0 < 60 && entry.0 >= 0 ? sum + entry.1 : sum }
    }
}
