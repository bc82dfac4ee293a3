import ArgumentParser
import Foundation
import PandaClient
import PandaConfig
import PandaCore
import PandaPilot

/// `panda pilot`: the worker-node agent a batch job runs.
struct PilotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pilot",
        abstract: "Run jobs of one queue on this worker node until the batch slot or the work runs out.",
        discussion: """
            Checks the node against the queue (free disk, cores, memory, time left), finishes \
            jobs earlier pilots left in the recovery area, then takes jobs one after another: \
            stage-in, payload in its own process group under its watches (heartbeat and kill, \
            walltime, memory, work directory size, stdout size, looping, free disk), stage-out \
            of outputs and a log tarball, final report (kept in the state directory until the \
            server has it). The server hears from the job through every step, and a kill in any \
            reply stops it. SIGTERM, SIGINT, SIGUSR1 or SIGXCPU stop the payload, report it with \
            the signal's PanDA code and exit. The pilot is a child subreaper: nothing a payload \
            starts outlives its job. Run as root (or with CAP_SETUID, CAP_SETGID, CAP_CHOWN and \
            CAP_DAC_OVERRIDE), \
            it runs payloads as pilot.payload_user (or one of pilot.payload_users).

            Payloads must not run under the pilot's own uid: without a payload user the pilot \
            can switch to, it refuses to start unless pilot.shared_uid is accept (or \
            --shared-uid accept, or PANDA_PILOT_SHARED_UID=accept), and then a payload could \
            kill or stop its pilot and rewrite what it keeps on the node (docs/security.md).

            The token comes from --token-file (mode 0600; removed once read unless \
            --keep-token-file), --token-fd (read, then closed) or PANDA_PILOT_TOKEN; the payload \
            never sees it. When payloads share the pilot's uid, a token file the pilot cannot \
            remove, or --keep-token-file, is refused. Settings not given as options come from \
            the pilot: section of -c FILE or $PANDA_CONFIG when one is given, else from defaults.

            Exit status: 0 done, 1 setup failed, 3 node refused, 128+N after signal N.
            """)

    @Option(help: ArgumentHelp("panda server URLs, tried in order with failover.", valueName: "url[,url...]"))
    var server: String

    @Option(help: ArgumentHelp("The queue to take jobs of.", valueName: "name"))
    var queue: String

    @Option(help: ArgumentHelp("A file holding the pilot token (mode 0600).", valueName: "file"))
    var tokenFile: String?

    @Flag(help: "Leave the token file in place (refused when payloads run under the pilot's own uid).")
    var keepTokenFile = false

    @Option(help: ArgumentHelp("Read the pilot token from this open descriptor (0: standard input), then close it.", valueName: "n"))
    var tokenFd: Int32?

    @Option(help: ArgumentHelp("Start even when payloads would run under the pilot's own uid: accept or refuse "
                               + "(default: pilot.shared_uid, else $PANDA_PILOT_SHARED_UID, else refuse).", valueName: "policy"))
    var sharedUid: SharedUIDPolicy?

    @Option(name: [.customShort("c"), .customLong("config")],
            help: ArgumentHelp("A configuration file whose pilot: section gives defaults (also $PANDA_CONFIG).", valueName: "file"))
    var configPath: String?

    @Option(help: ArgumentHelp("Where job work directories are made (default: pilot.workdir, else the current directory).", valueName: "dir"))
    var workdir: String?

    @Option(help: ArgumentHelp("Where outputs wait after a failed stage-out (default: pilot.recovery_dir, else STATE_DIR/recovery).", valueName: "dir"))
    var recoveryDir: String?

    @Option(help: ArgumentHelp("The pilot user's own directory (mode 0700) for final reports not yet delivered and the recovery area "
                               + "(default: pilot.state_dir, else $XDG_STATE_HOME/panda, else ~/.local/state/panda).", valueName: "dir"))
    var stateDir: String?

    @Option(help: ArgumentHelp("How long this pilot may run, e.g. 12h (default: from the batch slot, else the queue's pilot walltime).", valueName: "duration"))
    var lifetime: TimeSpan?

    @Option(help: ArgumentHelp("Exit after this long without work (default: pilot.idle_timeout, 5m).", valueName: "duration"))
    var idleTimeout: TimeSpan?

    @Flag(help: "Run at most one job.")
    var once = false

    @Option(help: ArgumentHelp("A CA bundle for the server's TLS certificate.", valueName: "file"))
    var caFile: String?

    @Option(help: ArgumentHelp("The pilot's id as the server records it (default: the batch job id, else a random one).", valueName: "id"))
    var pilotID: String?

    func validate() throws {
        if servers.isEmpty { throw ValidationError("--server needs at least one URL") }
        if tokenFile != nil && tokenFd != nil { throw ValidationError("give --token-file or --token-fd, not both") }
        if let tokenFd, tokenFd < 0 || tokenFd > 1_000_000 { throw ValidationError("--token-fd \(tokenFd) is not a descriptor number") }
        if keepTokenFile && tokenFile == nil { throw ValidationError("--keep-token-file needs --token-file") }
        for url in servers where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ValidationError("--server \(url) is not an http:// or https:// URL")
        }
    }

    var servers: [String] { server.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

    func run() async throws {
        let pilot = try pilotSection()
        let sharesUID = PayloadIsolation.sharesUID(payloadUsers: pilot.payloadUsers)
        // Before the token is read: a refusing pilot leaves its token file for a pilot set up right.
        if sharesUID && sharedUIDPolicy(configured: pilot) != .accept {
            printError("panda pilot: refusing to start: " + PayloadIsolation.refusal)
            throw ExitCode(PandaPilotRole.ExitStatus.setupFailed)
        }
        let token: String
        do {
            let source: PilotCredential.Source = tokenFile.map { .file($0, keep: keepTokenFile) } ?? tokenFd.map { .descriptor($0) } ?? .environment
            token = try PilotCredential.load(source, payloadsShareUID: sharesUID)
        } catch {
            printError("panda pilot: \(error)")
            throw ExitCode(PandaPilotRole.ExitStatus.setupFailed)
        }
        let transfer = HTTPSettings(timeout: pilot.transfer.timeout, caDirectory: pilot.transfer.caDir,
                                    clientCertificate: pilot.transfer.cert, clientKey: pilot.transfer.key)
        let settings = PilotSettings(
            servers: servers, queue: queue, token: token, workArea: workdir ?? pilot.workdir,
            stateDirectory: stateDir ?? pilot.stateDir, recoveryArea: recoveryDir ?? pilot.recoveryDir,
            payloadUsers: pilot.payloadUsers, lifetime: lifetime, once: once,
            idleTimeout: idleTimeout ?? pilot.idleTimeout, killGrace: pilot.killGrace, watchInterval: pilot.watchInterval,
            transferRetries: pilot.transfer.retries, api: HTTPSettings(caFile: caFile), storage: transfer,
            pilotID: pilotID ?? Self.batchJobID() ?? "pilot-\(RandomHex.make(bits: 48))")
        let status = await PandaPilotRole(settings: settings).run()
        if status != 0 { throw ExitCode(status) }
    }

    /// --shared-uid, else the configuration's pilot.shared_uid when it says
    /// accept, else PANDA_PILOT_SHARED_UID (what `panda up` sets for its
    /// demo pilots), else refuse.
    private func sharedUIDPolicy(configured pilot: PilotConfig) -> SharedUIDPolicy {
        if let sharedUid { return sharedUid }
        if pilot.sharedUID == .accept { return .accept }
        return ProcessInfo.processInfo.environment["PANDA_PILOT_SHARED_UID"].flatMap(SharedUIDPolicy.init(rawValue:)) ?? .refuse
    }

    /// The pilot: section of the configuration when one is named, else defaults.
    private func pilotSection() throws -> PilotConfig {
        let named = configPath ?? ProcessInfo.processInfo.environment["PANDA_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        guard let named else { return PilotConfig.defaults }
        return try ConfigFileOption.load(named).configuration.pilot
    }

    /// The batch system's id for this job, so server and batch logs meet.
    static func batchJobID() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let id = environment["SLURM_JOB_ID"] { return "slurm-\(id)" }
        if let id = environment["PBS_JOBID"] { return "pbs-\(id)" }
        if let id = environment["_CONDOR_JOB_AD"].flatMap({ _ in environment["CONDOR_ID"] }) { return "condor-\(id)" }
        return environment["PANDA_PILOT_ID"]
    }
}

extension SharedUIDPolicy: ExpressibleByArgument {}

extension TimeSpan: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
}
