import PandaCore

/// The `server:` section: how `panda server` listens, stores and times out.
///
/// ```yaml
/// server:
///   listen: 127.0.0.1:25443
///   database: sqlite:///var/lib/panda/panda.db
///   timeouts: { sent: 30m, heartbeat: 2h, holding: 3h }
/// ```
public struct ServerConfig: Sendable, Codable, Equatable {
    public var listen: ListenAddress
    public var database: DatabaseURL
    public var tls: TLSFiles?
    /// Allows plain HTTP on a non-loopback address; off unless said explicitly.
    public var insecure: Bool
    /// The HMAC key that signs tokens; created (mode 0600) at first start.
    public var signingKey: String
    public var timeouts: ServerTimeouts
    /// How often the sweeper looks for timed-out jobs.
    public var sweepInterval: TimeSpan
    /// How often the counts per queue are sampled for the monitor's history.
    public var statsInterval: TimeSpan
    /// Attempts a job gets unless it says otherwise.
    public var maxAttempts: Int
    public var limits: RequestLimits

    enum CodingKeys: String, CodingKey {
        case listen, database, tls, insecure, timeouts, limits
        case signingKey = "signing_key", sweepInterval = "sweep_interval", statsInterval = "stats_interval", maxAttempts = "max_attempts"
    }

    public static let defaultPort = 25443

    init(reading r: ConfigReader) {
        listen = r.value("listen", default: ListenAddress(host: "127.0.0.1", port: Self.defaultPort))
        database = r.value("database", default: .sqlite(path: "/var/lib/panda/panda.db"))
        if case .sqlite(let path) = database, let written = r.node("database") {
            database = .sqlite(path: ConfigReader.resolve(path, nextTo: written.node.mark.file))
        }
        tls = r.has("tls") ? TLSFiles(reading: r.section("tls")) : nil
        r.accept("tls")
        insecure = r.value("insecure", default: false)
        signingKey = r.path("signing_key", default: "/var/lib/panda/signing.key")
        timeouts = ServerTimeouts(reading: r.section("timeouts"))
        sweepInterval = r.value("sweep_interval", default: .seconds(60), in: .milliseconds(100)...(.hours(1)))
        statsInterval = r.value("stats_interval", default: .seconds(60), in: .milliseconds(100)...(.hours(1)))
        maxAttempts = r.value("max_attempts", default: 3, in: 1...100)
        limits = RequestLimits(reading: r.section("limits"))
        r.finish()
    }
}

/// A certificate and its key, PEM files.
public struct TLSFiles: Sendable, Codable, Equatable {
    public var cert: String
    public var key: String

    init(reading r: ConfigReader) {
        cert = r.requiredPath("cert") ?? ""
        key = r.requiredPath("key") ?? ""
        r.finish()
    }
}

/// The sweeper's limits, with PanDA's defaults.
public struct ServerTimeouts: Sendable, Codable, Equatable {
    /// A job handed to a pilot that never said it started.
    public var sent: TimeSpan
    /// A starting or running job whose pilot stopped reporting.
    public var heartbeat: TimeSpan
    /// A job whose outputs were never confirmed stored.
    public var holding: TimeSpan

    init(reading r: ConfigReader) {
        let range = TimeSpan(milliseconds: 100)...TimeSpan.days(30)
        sent = r.value("sent", default: .minutes(30), in: range)
        heartbeat = r.value("heartbeat", default: .hours(2), in: range)
        holding = r.value("holding", default: .hours(3), in: range)
        r.finish()
    }
}

/// Bounds on what one request may ask of the server.
public struct RequestLimits: Sendable, Codable, Equatable {
    /// Larger bodies are refused with 413.
    public var requestBody: ByteCount
    /// Jobs in one `job/submit`; more are refused with 413.
    public var jobsPerRequest: Int
    /// Jobs one `task/submit` may make; more are refused with 413.
    public var jobsPerTask: Int
    /// Pilot requests waiting on the store at once; past it pilots get 429
    /// with Retry-After rather than everyone slowing down together.
    public var inFlight: Int

    enum CodingKeys: String, CodingKey {
        case requestBody = "request_body", jobsPerRequest = "jobs_per_request", jobsPerTask = "jobs_per_task", inFlight = "in_flight"
    }

    init(reading r: ConfigReader) {
        requestBody = r.value("request_body", default: .mebibytes(8), in: .kilobytes(1)...(.gibibytes(1)))
        jobsPerRequest = r.value("jobs_per_request", default: 10_000, in: 1...1_000_000)
        jobsPerTask = r.value("jobs_per_task", default: 200_000, in: 1...10_000_000)
        inFlight = r.value("in_flight", default: 4096, in: 1...1_000_000)
        r.finish()
    }
}
