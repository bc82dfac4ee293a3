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
///
/// A claim (`pilot/acquire_jobs`) keeps its key on the rows of the jobs it
/// took instead, written by the claim's own UPDATE, and looks it up only when
/// the client marks the call a retry (`isRetry`): the dispatcher's first try
/// costs no lookup and no extra row. A claim's key lasts as long as its jobs
/// wait in `sent` for their pilot.
public struct RequestKey: Sendable, Hashable {
    public var caller: String
    public var key: String
    public var route: String
    /// The client says an earlier try of this call may have reached the
    /// server (it sent it and got no answer). Only claims read it.
    public var isRetry: Bool

    /// How long the server remembers a key: far beyond any client's retries.
    public static let lifetime: Double = 86_400
    public static let claimRoute = "pilot/acquire_jobs"

    public init(caller: String, key: String, route: String, isRetry: Bool = false) {
        self.caller = caller
        self.key = key
        self.route = route
        self.isRetry = isRetry
    }

    /// The text a claim stores on a job row: the caller and the key, so one
    /// caller's key never finds another's jobs. Keys hold no newline (the
    /// server admits only letters, digits and `-_.:`), so the pair is
    /// unambiguous.
    var claimTag: String { caller + "\n" + key }
}
