import PandaCore

/// `server.retention`: how long ended jobs are kept, and how often the
/// server removes older ones.
///
/// ```yaml
/// server:
///   retention: { jobs: 180d, interval: 1h }    # jobs: forever keeps everything
/// ```
/// A job is removed with everything that is only about it: its state
/// history, its attempts, and the log tarballs its attempts left on storage
/// endpoints (never a file a catalogued dataset lists). The monitor's charts
/// and error counts come from the hourly samples, which keep their own
/// 90 days whatever this says.
public struct RetentionConfig: Sendable, Codable, Equatable {
    /// Ended jobs older than this (since they ended) are removed.
    public var jobs: RetentionAge
    /// How often the server looks for them.
    public var interval: TimeSpan

    public static let defaultJobs = RetentionAge.after(.days(180))

    public init(jobs: RetentionAge = Self.defaultJobs, interval: TimeSpan = .hours(1)) {
        self.jobs = jobs
        self.interval = interval
    }

    init(reading r: ConfigReader) {
        jobs = r.value("jobs", default: Self.defaultJobs)
        interval = r.value("interval", default: .hours(1), in: .minutes(1)...(.days(7)))
        r.finish()
    }
}

/// An age after which something is removed, or `forever`.
public enum RetentionAge: Sendable, Hashable, TextCodable, ConfigScalar {
    case forever
    case after(TimeSpan)

    /// Shorter would remove a job a user is still looking at.
    public static let minimum = TimeSpan.days(1)

    static var expectation: String { "a duration of at least 1d (such as 90d), or forever" }

    public init(parsing text: String) throws(ValueParseError) {
        if text == "forever" {
            self = .forever
            return
        }
        let span = try TimeSpan(parsing: text)
        guard span >= Self.minimum else { throw ValueParseError("'\(text)' is shorter than 1d; keep ended jobs at least a day, or say forever") }
        self = .after(span)
    }

    public var description: String {
        switch self {
        case .forever: return "forever"
        case .after(let span): return span.description
        }
    }

    /// The moment before which an ended job goes, at `now`; nil: nothing goes.
    public func cutoff(now: Double) -> Double? {
        switch self {
        case .forever: return nil
        case .after(let span): return now - span.seconds
        }
    }
}
