import Foundation
import PandaClient
import PandaCore

/// Everything a pilot run is told, from its command line and the optional
/// `pilot:` section of a configuration file.
///
/// ```swift
/// let settings = PilotSettings(servers: ["https://panda.example:25443"], queue: "LOCAL", token: token)
/// ```
public struct PilotSettings: Sendable {
    public var servers: [String]
    public var queue: String
    public var token: String
    /// Where job work directories are made.
    public var workArea: String
    /// The pilot user's own directory (0700): outbox of final reports, and
    /// the recovery area unless `recoveryArea` is given elsewhere.
    public var stateDirectory: String
    public var recoveryArea: String
    /// Users payloads run as when the pilot may switch identity; empty: none.
    public var payloadUsers: [String]
    /// Explicit lifetime; nil means from the batch slot, else the queue's pilot walltime.
    public var lifetime: TimeSpan?
    /// Run at most one job.
    public var once: Bool
    public var idleTimeout: TimeSpan
    public var killGrace: TimeSpan
    public var watchInterval: TimeSpan
    public var transferRetries: Int
    /// For the panda server's API.
    public var api: HTTPSettings
    /// For storage endpoints.
    public var storage: HTTPSettings
    /// The pilot's id as the server records it (the batch job id when known).
    public var pilotID: String

    public init(servers: [String], queue: String, token: String, workArea: String = ".",
                stateDirectory: String? = nil, recoveryArea: String? = nil, payloadUsers: [String] = [],
                lifetime: TimeSpan? = nil, once: Bool = false,
                idleTimeout: TimeSpan = .minutes(5), killGrace: TimeSpan = .seconds(30), watchInterval: TimeSpan = .seconds(10),
                transferRetries: Int = 3, api: HTTPSettings = HTTPSettings(), storage: HTTPSettings = HTTPSettings(),
                pilotID: String) {
        self.servers = servers
        self.queue = queue
        self.token = token
        self.workArea = workArea
        let state = stateDirectory ?? Self.defaultStateDirectory(environment: ProcessInfo.processInfo.environment, workArea: workArea)
        self.stateDirectory = state
        self.recoveryArea = recoveryArea ?? state + "/recovery"
        self.payloadUsers = payloadUsers
        self.lifetime = lifetime
        self.once = once
        self.idleTimeout = idleTimeout
        self.killGrace = killGrace
        self.watchInterval = watchInterval
        self.transferRetries = transferRetries
        self.api = api
        self.storage = storage
        self.pilotID = pilotID
    }

    /// `$XDG_STATE_HOME/panda`, else `$HOME/.local/state/panda`: the same
    /// for every pilot of this user on this node, so the next one finds what
    /// an earlier one left; without either (or a home this user cannot
    /// write, as system users have), `WORKDIR/.panda-state`.
    public static func defaultStateDirectory(environment: [String: String], workArea: String) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/"), access(state, W_OK) == 0 { return state + "/panda" }
        if let home = environment["HOME"], home.hasPrefix("/"), home != "/", access(home, W_OK) == 0 { return home + "/.local/state/panda" }
        return workArea + "/.panda-state"
    }
}
