import PandaCore

/// The `pilot:` section: what `panda pilot` does on a worker node that the
/// queue's settings (sent with each job) do not say.
///
/// ```yaml
/// pilot:
///   workdir: /scratch
///   idle_timeout: 5m
///   transfer: { timeout: 30m, retries: 3 }
/// ```
public struct PilotConfig: Sendable, Codable, Equatable {
    /// Where job work directories are made; `.` is the directory the batch
    /// system starts the pilot in.
    public var workdir: String
    /// The pilot user's own directory (mode 0700) for what outlives one
    /// pilot on a node: the recovery area and final reports not yet
    /// delivered. Nil: `$XDG_STATE_HOME/panda`, else `$HOME/.local/state/panda`.
    public var stateDir: String?
    /// Outputs of jobs whose stage-out failed wait here for a later pilot;
    /// nil: `STATE_DIR/recovery`.
    public var recoveryDir: String?
    /// When the pilot runs as root (or with CAP_SETUID/CAP_SETGID), payloads
    /// run as one of these users: one per pilot on a node at a time.
    public var payloadUsers: [String]
    /// Whether the pilot may run payloads under its own uid (no payload
    /// user it can switch to): `refuse` (the default) stops it at start,
    /// `accept` says the site knows what that gives up (docs/security.md).
    public var sharedUID: SharedUIDPolicy
    /// With nothing to do for this long, the pilot exits.
    public var idleTimeout: TimeSpan
    /// Between SIGTERM and SIGKILL when a payload is stopped.
    public var killGrace: TimeSpan
    /// How often the watches (memory, disk, looping, output size, walltime)
    /// look at a running payload.
    public var watchInterval: TimeSpan
    public var transfer: TransferConfig

    enum CodingKeys: String, CodingKey {
        case workdir, transfer
        case recoveryDir = "recovery_dir", idleTimeout = "idle_timeout", killGrace = "kill_grace"
        case stateDir = "state_dir", payloadUsers = "payload_users", sharedUID = "shared_uid"
        case watchInterval = "watch_interval"
    }

    /// The section as it reads when absent (a worker node without a configuration file).
    public static var defaults: PilotConfig {
        PilotConfig(reading: ConfigReader(layers: [], target: "pilot", context: DecodeContext(diagnostics: DiagnosticLog())))
    }

    init(reading r: ConfigReader) {
        // Not a path next to this file: the pilot runs on a worker node, and
        // `.` (or any relative path) is where the batch system starts it.
        workdir = r.value("workdir", default: ".")
        stateDir = r.path("state_dir")
        recoveryDir = r.path("recovery_dir")
        // `payload_user: NAME` is the pool of one.
        let single: String? = r.value("payload_user")
        payloadUsers = (single.map { [$0] } ?? []) + r.list("payload_users")
        sharedUID = r.value("shared_uid", default: .refuse)
        idleTimeout = r.value("idle_timeout", default: .minutes(5), in: .seconds(0)...(.days(1)))
        killGrace = r.value("kill_grace", default: .seconds(30), in: .seconds(0)...(.hours(1)))
        watchInterval = r.value("watch_interval", default: .seconds(10), in: .milliseconds(100)...(.hours(1)))
        transfer = TransferConfig(reading: r.section("transfer"))
        r.finish()
    }
}

/// `pilot.shared_uid`: what a pilot does when its payloads would run under
/// its own uid. There a payload can signal, stop and trace its pilot, read
/// whatever the pilot left on disk and rewrite what the pilot keeps on the
/// node; the pilot protects what it still can (docs/security.md).
public enum SharedUIDPolicy: String, Sendable, Codable, Equatable, CaseIterable {
    /// Do not start: configure a payload user the pilot can switch to.
    case refuse
    /// Start anyway, with the protections that hold in that shape.
    case accept
}

extension SharedUIDPolicy: ConfigEnum {}

/// How stage-in and stage-out talk to storage over HTTP(S).
public struct TransferConfig: Sendable, Codable, Equatable {
    /// The longest one file transfer may take.
    public var timeout: TimeSpan
    /// Further tries of a failed transfer, per replica.
    public var retries: Int
    /// A directory of CA certificates (hashed, as /etc/grid-security/certificates);
    /// unset means the system's CAs.
    public var caDir: String?
    /// A client certificate and key for storage that wants one.
    public var cert: String?
    public var key: String?

    enum CodingKeys: String, CodingKey {
        case timeout, retries, cert, key
        case caDir = "ca_dir"
    }

    init(reading r: ConfigReader) {
        timeout = r.value("timeout", default: .minutes(30), in: .seconds(1)...(.days(1)))
        retries = r.value("retries", default: 3, in: 0...100)
        caDir = r.path("ca_dir")
        cert = r.path("cert")
        key = r.path("key")
        if (cert == nil) != (key == nil) {
            r.context.diagnostics.error(r.mark, r.layers[0].path, "cert and key go together: set both or neither")
        }
        r.finish()
    }
}
