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
    /// PostgreSQL's password, read from this file at start (never world-readable).
    public var databasePasswordFile: String?
    /// Connections to PostgreSQL this server holds at most.
    public var databasePool: Int
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
    public var connections: ListenerConfig
    /// Scopes granted to users besides their own `user.NAME` (scope → users).
    public var scopes: [String: [String]]

    enum CodingKeys: String, CodingKey {
        case listen, database, tls, insecure, timeouts, limits, connections, scopes
        case databasePasswordFile = "database_password_file", databasePool = "database_pool"
        case signingKey = "signing_key", sweepInterval = "sweep_interval", statsInterval = "stats_interval", maxAttempts = "max_attempts"
    }

    public static let defaultPort = 25443

    init(reading r: ConfigReader) {
        listen = r.value("listen", default: ListenAddress(host: "127.0.0.1", port: Self.defaultPort))
        database = r.value("database", default: .sqlite(path: "/var/lib/panda/panda.db"))
        if case .sqlite(let path) = database, let written = r.node("database") {
            database = .sqlite(path: ConfigReader.resolve(path, nextTo: written.node.mark.file))
        }
        databasePasswordFile = r.path("database_password_file")
        databasePool = r.value("database_pool", default: 4, in: 1...100)
        tls = r.has("tls") ? TLSFiles(reading: r.section("tls")) : nil
        r.accept("tls")
        insecure = r.value("insecure", default: false)
        signingKey = r.path("signing_key", default: "/var/lib/panda/signing.key")
        timeouts = ServerTimeouts(reading: r.section("timeouts"))
        sweepInterval = r.value("sweep_interval", default: .seconds(60), in: .milliseconds(100)...(.hours(1)))
        statsInterval = r.value("stats_interval", default: .seconds(60), in: .milliseconds(100)...(.hours(1)))
        maxAttempts = r.value("max_attempts", default: 3, in: 1...100)
        limits = RequestLimits(reading: r.section("limits"))
        connections = ListenerConfig(reading: r.section("connections"))
        scopes = Self.scopeGrants(reading: r.section("scopes"))
        r.finish()
    }

    /// `scopes: {group.phys: [alice, bob]}`: each scope a valid scope name,
    /// each list of user names.
    static func scopeGrants(reading r: ConfigReader) -> [String: [String]] {
        var grants: [String: [String]] = [:]
        for entry in r.namedEntries() {
            let users: [String] = r.list(entry.name)
            if let problem = PathName.problem(entry.name, as: .scope, at: "scope") {
                r.context.diagnostics.error(entry.key.mark, entry.path, problem)
            } else if let empty = users.firstIndex(where: \.isEmpty) {
                r.context.diagnostics.error(entry.value.mark, entry.path, "user \(empty + 1) of scope \(entry.name) is empty")
            } else {
                grants[entry.name] = users
            }
        }
        r.finish()
        return grants
    }
}

/// A certificate and its key, PEM files.
public struct TLSFiles: Sendable, Codable, Equatable {
    public var cert: String
    public var key: String
    /// The oldest TLS version accepted: 1.2 unless raised to 1.3; 1.0 and 1.1 never.
    public var minVersion: TLSMinimumVersion

    enum CodingKeys: String, CodingKey {
        case cert, key, minVersion = "min_version"
    }

    init(reading r: ConfigReader) {
        cert = r.requiredPath("cert") ?? ""
        key = r.requiredPath("key") ?? ""
        minVersion = r.value("min_version", default: .tls12)
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
    /// Files in one `dataset/add_files`; more are refused with 413.
    public var filesPerRequest: Int
    /// Input files, and output files, of one job.
    public var filesPerJob: Int
    public var replicasPerFile: Int
    /// A job's arguments and environment, after placeholders expand.
    public var commandBytes: ByteCount
    /// All of one task's jobs' arguments and environments together.
    public var taskCommandBytes: ByteCount
    /// Any other one string of a job: executable, container, names, URLs.
    public var textBytes: ByteCount
    /// Any other list of a job or task: software tags, environment entries, input datasets.
    public var listItems: Int
    /// Pilot records in one `factory/report_pilots`; more are refused with 413.
    public var pilotsPerReport: Int
    /// Jobs one user may create a minute (`job/submit` and `task/submit`
    /// together); past it 429 with Retry-After. A minute's worth may come at once.
    public var jobsPerMinute: Int
    /// Jobs all requests together may be making in memory at once (split,
    /// brokered, not yet stored); past it 429. At least `jobs_per_task` and
    /// `jobs_per_request`, so the largest allowed request always fits.
    public var jobsInCreation: Int

    enum CodingKeys: String, CodingKey {
        case requestBody = "request_body", jobsPerRequest = "jobs_per_request", jobsPerTask = "jobs_per_task", inFlight = "in_flight"
        case filesPerRequest = "files_per_request", filesPerJob = "files_per_job", replicasPerFile = "replicas_per_file"
        case commandBytes = "command_bytes", taskCommandBytes = "task_command_bytes", textBytes = "text_bytes", listItems = "list_items"
        case pilotsPerReport = "pilots_per_report", jobsPerMinute = "jobs_per_minute", jobsInCreation = "jobs_in_creation"
    }

    /// The bounds every job and task is checked against before anything is made for it.
    public var spec: SpecLimits {
        SpecLimits(jobsPerTask: jobsPerTask, filesPerJob: filesPerJob, replicasPerFile: replicasPerFile,
                   commandBytes: Int(commandBytes.bytes), taskCommandBytes: Int(taskCommandBytes.bytes),
                   textBytes: Int(textBytes.bytes), listItems: listItems)
    }

    init(reading r: ConfigReader) {
        requestBody = r.value("request_body", default: .mebibytes(8), in: .kilobytes(1)...(.gibibytes(1)))
        jobsPerRequest = r.value("jobs_per_request", default: 10_000, in: 1...1_000_000)
        jobsPerTask = r.value("jobs_per_task", default: 200_000, in: 1...10_000_000)
        inFlight = r.value("in_flight", default: 4096, in: 1...1_000_000)
        filesPerRequest = r.value("files_per_request", default: 50_000, in: 1...1_000_000)
        filesPerJob = r.value("files_per_job", default: 100_000, in: 1...1_000_000)
        replicasPerFile = r.value("replicas_per_file", default: 100, in: 1...10_000)
        commandBytes = r.value("command_bytes", default: .mebibytes(1), in: .kilobytes(1)...(.mebibytes(64)))
        taskCommandBytes = r.value("task_command_bytes", default: .mebibytes(256), in: .kilobytes(1)...(.gibibytes(16)))
        textBytes = r.value("text_bytes", default: ByteCount(bytes: 4096), in: ByteCount(bytes: 256)...(.mebibytes(1)))
        listItems = r.value("list_items", default: 1000, in: 1...1_000_000)
        pilotsPerReport = r.value("pilots_per_report", default: 10_000, in: 1...1_000_000)
        jobsPerMinute = r.value("jobs_per_minute", default: 200_000, in: 1...100_000_000)
        let largest = max(jobsPerTask, jobsPerRequest)
        jobsInCreation = r.value("jobs_in_creation", default: max(400_000, largest), in: largest...100_000_000)
        r.finish()
    }
}
