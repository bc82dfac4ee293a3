/// An idempotency key: chosen by the client once per logical call and sent
/// with every retry of it, so the server applies the call once and answers
/// each retry with the first answer.
///
/// ```swift
/// let key = RequestKey(caller: "alice", key: "7f0c…", route: "job/submit")
/// let jobs = try await store.submit(newJobs, key: key, now: now)   // a retry gets the same ids
/// ```
/// Keys belong to their caller (the token's subject) and are remembered for
/// `RequestKey.lifetime`, then forgotten by the sweeper. A key sent again
/// with another route is refused as a conflict.
public struct RequestKey: Sendable, Hashable {
    public var caller: String
    public var key: String
    public var route: String

    /// How long the server remembers a key: far beyond any client's retries.
    public static let lifetime: Double = 86_400
    /// A claim's key is kept an hour: its retries come within minutes, and a
    /// claim older than the sent timeout is swept anyway. At full dispatch rate
    /// this keeps the table at hours, not a day, of acquires.
    public static let claimLifetime: Double = 3_600
    public static let claimRoute = "pilot/acquire_jobs"

    public init(caller: String, key: String, route: String) {
        self.caller = caller
        self.key = key
        self.route = route
    }
}
