import PandaCore

/// One computing queue — PanDA's queuedata for a PanDA queue — resolved: the
/// queue's own keys over the templates it extends, over panda's defaults.
///
/// ```yaml
/// BNL_PROD:
///   extends: grid
///   corecount: 8
///   maxrss: 16GB
///   batch: { system: slurm, partition: atlas }
/// ```
public struct QueueConfig: Sendable, Codable, Equatable {
    public var name: String
    public var site: String
    public var status: QueueStatus
    /// Cores one job gets.
    public var corecount: Int
    /// Memory (RSS of the payload's process tree) one job may use.
    public var maxrss: ByteCount
    /// Disk one job's work directory may use.
    public var maxwdir: ByteCount
    /// Walltime one job may use.
    public var maxtime: TimeSpan
    /// Software tags jobs may require (releases, OS flavours).
    public var software: [String]
    /// How pilots move files, in order of preference.
    public var copytools: [CopyTool]
    /// Storage endpoints whose replicas this queue can read, nearest first.
    public var readFrom: [String]
    /// The storage endpoint outputs and logs go to.
    public var writeTo: String?
    /// How often pilots report a running job.
    public var heartbeat: TimeSpan
    /// How often pilots ask for a command (kill) between heartbeats: with
    /// the pilot's kill_grace, the bound from `panda kill` to the payload's end.
    public var commandPoll: TimeSpan
    /// A job with no file in its work directory modified for this long is looping.
    public var loopingLimit: TimeSpan
    /// Payload stdout or stderr larger than this kills the job.
    public var stdoutLimit: ByteCount
    /// Put before the payload when a job names a container image, which
    /// follows it: `apptainer exec --bind /cvmfs IMAGE COMMAND…`.
    public var containerCommand: [String]
    /// How pilots reach this queue; nil when no panda factory feeds it.
    public var batch: BatchConfig?
    public var pilots: PilotLimits

    enum CodingKeys: String, CodingKey {
        case name, site, status, corecount, maxrss, maxwdir, maxtime, software, copytools
        case heartbeat, batch, pilots
        case readFrom = "read_from", writeTo = "write_to", loopingLimit = "looping_limit"
        case stdoutLimit = "stdout_limit", containerCommand = "container_command"
        case commandPoll = "command_poll"
    }

    /// Reads a queue from its layers (its own mapping first, then templates).
    init(name: String, site: String, reading r: ConfigReader) {
        self.name = name
        self.site = site
        r.accept("extends")
        status = r.value("status", default: .online)
        corecount = r.value("corecount", default: 1, in: 1...1024)
        maxrss = r.value("maxrss", default: .gigabytes(2), in: .megabytes(1)...(.tebibytes(64)))
        maxwdir = r.value("maxwdir", default: .gigabytes(10), in: .megabytes(1)...(.tebibytes(1024)))
        maxtime = r.value("maxtime", default: .hours(24), in: .seconds(1)...(.days(30)))
        software = r.list("software")
        copytools = r.list("copytools", default: [.cp, .https])
        readFrom = r.list("read_from")
        writeTo = r.value("write_to")
        heartbeat = r.value("heartbeat", default: .minutes(30), in: .seconds(1)...(.days(1)))
        commandPoll = r.value("command_poll", default: .seconds(60), in: .milliseconds(500)...(.hours(1)))
        loopingLimit = r.value("looping_limit", default: .hours(2), in: .seconds(1)...(.days(7)))
        stdoutLimit = r.value("stdout_limit", default: .gibibytes(2), in: .kilobytes(1)...(.tebibytes(1)))
        containerCommand = r.list("container_command")
        batch = r.has("batch") ? BatchConfig(reading: r.section("batch")) : nil
        r.accept("batch")
        // A pilot's walltime must fit the longest job plus the pilot's own
        // work, so by default it follows maxtime.
        pilots = PilotLimits(reading: r.section("pilots"), defaultWalltime: TimeSpan(milliseconds: maxtime.milliseconds + 3_600_000))
        r.finish()
    }
}

/// How a factory submits this queue's pilots. Keys that belong to another
/// batch system are refused, so a typo in `system` shows at once.
public struct BatchConfig: Sendable, Codable, Equatable {
    public var system: BatchSystem
    /// Slurm partition (`sbatch --partition`).
    public var partition: String?
    /// Slurm or PBS account (`--account`, `-A`).
    public var account: String?
    /// Slurm quality of service (`--qos`).
    public var qos: String?
    /// PBS destination queue (`qsub -q`).
    public var queue: String?
    /// Concurrent pilots for the local system; default the host's cores.
    public var slots: Int?
    /// Extra arguments to sbatch, qsub or condor_submit.
    public var args: [String]
    /// Extra lines for an HTCondor submit description.
    public var submitLines: [String]
    /// Environment given to the pilot by the batch job.
    public var environment: [String: String]
    /// The user local pilots run as (the factory must be root or hold
    /// CAP_SETUID and CAP_SETGID); nil: the factory's own user.
    public var user: String?

    enum CodingKeys: String, CodingKey {
        case system, partition, account, qos, queue, slots, args, environment, user
        case submitLines = "submit_lines"
    }

    /// Which keys each system uses, beyond those every system has.
    static let keysBySystem: [String: Set<BatchSystem>] = [
        "partition": [.slurm], "qos": [.slurm], "account": [.slurm, .pbs],
        "queue": [.pbs], "slots": [.local], "submit_lines": [.condor], "user": [.local],
    ]

    init(reading r: ConfigReader) {
        system = r.required("system") ?? .local
        partition = r.value("partition")
        account = r.value("account")
        qos = r.value("qos")
        queue = r.value("queue")
        slots = r.value("slots", in: 1...4096)
        args = r.list("args")
        submitLines = r.list("submit_lines")
        environment = r.stringMap("environment")
        user = r.value("user")
        r.finish()
    }
}

/// How many pilots a factory keeps at a queue (Harvester's nQueueLimitWorker,
/// maxWorkers, maxNewWorkersPerCycle).
public struct PilotLimits: Sendable, Codable, Equatable {
    /// Pilots queued and running together.
    public var max: Int
    /// Pilots waiting in the batch queue.
    public var queued: Int
    /// New pilots per factory cycle.
    public var perCycle: Int
    /// The batch walltime a pilot asks for.
    public var walltime: TimeSpan
    /// Which pilot the factory starts: panda's own, or the PanDA pilot 3.
    public var flavour: PilotFlavour
    /// How to start pilot3 (its Python and pilot.py), before the arguments
    /// the factory adds; needed with `flavour: pilot3`.
    public var pilot3Command: [String]

    enum CodingKeys: String, CodingKey {
        case max, queued, walltime, flavour
        case perCycle = "per_cycle", pilot3Command = "pilot3_command"
    }

    public init(max: Int, queued: Int, perCycle: Int, walltime: TimeSpan, flavour: PilotFlavour = .panda, pilot3Command: [String] = []) {
        self.max = max
        self.queued = queued
        self.perCycle = perCycle
        self.walltime = walltime
        self.flavour = flavour
        self.pilot3Command = pilot3Command
    }

    init(reading r: ConfigReader, defaultWalltime: TimeSpan) {
        max = r.value("max", default: 100, in: 0...1_000_000)
        queued = r.value("queued", default: 10, in: 0...1_000_000)
        perCycle = r.value("per_cycle", default: 10, in: 1...100_000)
        walltime = r.value("walltime", default: defaultWalltime, in: .minutes(1)...(.days(31)))
        flavour = r.value("flavour", default: .panda)
        pilot3Command = r.list("pilot3_command")
        if flavour == .pilot3 && pilot3Command.isEmpty {
            // Reported as a missing key, with the place of the pilots: section.
            let _: String? = r.required("pilot3_command", expecting: "pilot3's Python and pilot.py, e.g. [/opt/pilot3/venv/bin/python, -P, /opt/pilot3/pilot.py]")
        }
        r.finish()
    }
}

/// The pilot a factory starts for a queue.
public enum PilotFlavour: String, Sendable, Codable, CaseIterable, ConfigEnum {
    /// `panda pilot`.
    case panda
    /// The unmodified PanDA pilot 3, served by the server's PanDA compatibility routes (docs/pilot3.md).
    case pilot3
}
