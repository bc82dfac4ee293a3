import PandaCore

/// Which of the factories' pilots `pilots(_:)` returns, newest submitted
/// first: by queue, state and factory, or the pilots of the given ids (the
/// job page asks for the pilots its attempts ran under).
///
/// ```swift
/// let running = try await store.pilots(PilotFilter(queue: "Q1", state: "running", limit: 100))
/// let mine = try await store.pilots(PilotFilter(names: ["panda-Q1-0a1b2c3d4e"]))
/// ```
public struct PilotFilter: Sendable, Equatable {
    public var queue: String?
    public var state: String?
    public var factory: String?
    /// Pilot ids (as jobs carry them); at most `limit` of them.
    public var names: [String]?
    public var limit: Int

    public init(queue: String? = nil, state: String? = nil, factory: String? = nil, names: [String]? = nil, limit: Int = 100) {
        self.queue = queue
        self.state = state
        self.factory = factory
        self.names = names
        self.limit = limit
    }
}
