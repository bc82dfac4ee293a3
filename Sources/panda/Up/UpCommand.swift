import ArgumentParser
import Foundation
import PandaClient
import PandaConfig
import PandaCore
import PandaServer
import PandaSystem

/// `panda up`: the whole system on one machine — the embedded default.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run the server, a factory for the local queues and their pilots on this machine, until Ctrl-C.",
        discussion: """
            Starts `panda server` and `panda factory` (for the queues whose batch system is local) \
            as child processes of this one, from one configuration, with their logs and a factory \
            credential beside factory.state. With --demo it first submits a small workload (jobs \
            that read an input from the local storage endpoint and write an output) and shows its \
            progress. Ctrl-C, SIGTERM or SIGHUP (closing its terminal) stops the factory, which stops \
            its pilots, then the server; if `panda up` itself is killed, they stop by themselves. \
            Unless a local queue sets batch.user (and this runs as root), everything runs as the \
            user running `panda up`, so payloads could read the signing key: a demo, not a site.
            """)

    @OptionGroup var file: ConfigFileOption

    @Flag(help: "Submit a demo workload and show its progress.")
    var demo = false

    @Option(help: ArgumentHelp("Jobs in the demo workload.", valueName: "n"))
    var demoJobs = 24

    @Option(help: ArgumentHelp("The factory's cycle here (default 5s: a local machine can afford it).", valueName: "duration"))
    var cycle = TimeSpan.seconds(5)

    func validate() throws {
        guard (1...10_000).contains(demoJobs) else { throw ValidationError("--demo-jobs must be 1 to 10000") }
    }

    func run() async throws {
        let loaded = try file.load()
        let configuration = loaded.configuration
        let configPath = URL(fileURLWithPath: loaded.files[0]).standardizedFileURL.path
        let local = configuration.queues.filter { $0.batch?.system == .local }
        guard let demoQueue = local.first else {
            printError("panda up: no queue has `batch: { system: local }`, so nothing would run pilots here")
            throw ExitCode(2)
        }
        let state = (URL(fileURLWithPath: configuration.factory.state).standardizedFileURL.path as NSString).deletingLastPathComponent
        // Private: it holds the database, the signing key, tokens and logs.
        // Pilots that run as a queue's batch.user only pass through it to
        // their spool (0711, no listing). One that exists is the user's to set.
        if !FileManager.default.fileExists(atPath: state) {
            let mode = local.contains { $0.batch?.user != nil } ? 0o711 : 0o700
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        }
        let listen = configuration.server.listen
        let url = "\(configuration.server.tls == nil ? "http" : "https")://\(listen.host == "0.0.0.0" ? "127.0.0.1" : listen.host):\(listen.port)"
        // SIGHUP too: closing the terminal stops everything like Ctrl-C.
        let stop = TerminationRequest(signals: [SIGTERM, SIGINT, SIGHUP])

        say("panda up: starting the server on \(url) (log: \(state)/server.log)")
        let server = try ChildRole(name: "server", arguments: ["server", "-c", configPath], log: state + "/server.log")
        try await Self.waitUntilHealthy(url, server: server)

        let signer = TokenSigner(key: try SigningKey.loadOrCreate(at: configuration.server.signingKey))
        let credential = state + "/factory.token"
        let factoryToken = try Self.mint(signer, subject: "factory@\(ProcessInfo.processInfo.hostName)", scope: .factory,
                                         queues: local.map(\.name), days: 30)
        guard FileManager.default.createFile(atPath: credential, contents: Data(factoryToken.utf8), attributes: [.posixPermissions: 0o600]),
              chmod(credential, 0o600) == 0 else {
            throw ValidationError("cannot write the factory credential \(credential)")
        }

        var demoIDs: [Int64] = []
        let user = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "demo"
        let userToken = try Self.mint(signer, subject: user, scope: .submit, queues: [], days: 30)
        let clientConfig = try Self.writeClientSettings(state: state, url: url, token: userToken,
                                                        storage: demoQueue.writeTo)
        say("panda up: client settings for \(user) in \(clientConfig); use them with: export PANDA_CLIENT_CONFIG=\(clientConfig)")
        let client = PandaClient(servers: [url], token: userToken)
        if demo {
            let storage = try Self.localDirectory(of: demoQueue, in: configuration)
            let specs = try DemoWorkload(jobs: demoJobs, storage: storage, queue: demoQueue.name, endpoint: demoQueue.writeTo ?? "",
                                     scope: ScopeGrants.personal(user)).specs()
            demoIDs = try await client.submit(specs).jobs.map(\.id)
            say("panda up: submitted \(demoIDs.count) demo jobs to \(demoQueue.name) as \(user) (inputs in \(storage)/demo/inputs)")
        }

        let demoMode = Self.warnIfOneUser(local, signingKey: configuration.server.signingKey)
        var factoryArguments = ["factory", "-c", configPath, "--server", url, "--credential", credential, "--cycle", cycle.description]
        for queue in local { factoryArguments += ["--queue", queue.name] }
        say("panda up: starting the factory for \(local.map(\.name).joined(separator: ", ")) (log: \(state)/factory.log)")
        // DEMO MODE says what it gives up; the factory's pilots then run payloads under their own uid (pilot.shared_uid).
        let factory = try ChildRole(name: "factory", arguments: factoryArguments, log: state + "/factory.log",
                                    environment: demoMode ? ["PANDA_PILOT_SHARED_UID": "accept"] : [:])
        let monitorURL = try Self.startMonitor(signer, state: state, config: configPath, server: url, monitor: configuration.monitor)
        let monitor = monitorURL.process
        let children = [server, factory, monitor]

        if demo {
            let allFinished = await DemoProgress(client: client, ids: demoIDs).follow {
                stop.requested || children.contains { $0.exited != nil }
            }
            if !stop.requested && children.allSatisfy({ $0.exited == nil }) {
                say(allFinished ? "panda up: every demo job finished." : "panda up: the demo ended with failures (see below).")
                Self.whereToLook(url: url, state: state, storage: try Self.localDirectory(of: demoQueue, in: configuration),
                                 scope: ScopeGrants.personal(user), config: configPath, firstJob: demoIDs.first)
                say("panda up: the monitor is at \(monitorURL.url)")
            }
        } else {
            say("panda up: running. Submit jobs to \(url)/api/v1/job/submit; Ctrl-C stops everything.")
            say("panda up: the monitor is at \(monitorURL.url)")
        }

        while !stop.requested {
            if let dead = children.first(where: { $0.exited != nil }) {
                printError("panda up: the \(dead.name) stopped (exit \(dead.exited ?? -1)); last lines of \(dead.log):\n\(dead.tail())")
                children.forEach { $0.stop() }
                throw ExitCode(1)
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        say("\npanda up: stopping the factory and its pilots, then the server")
        monitor.stop()
        factory.stop(grace: 60)
        server.stop()
        say("panda up: stopped")
    }

    /// Says so when local pilots (and so their payloads) run as the user
    /// that owns the signing key, the database and the factory credential;
    /// returns whether they do (DEMO MODE).
    @discardableResult
    static func warnIfOneUser(_ queues: [QueueConfig], signingKey: String) -> Bool {
        let shared = queues.filter { queue in
            guard let user = queue.batch?.user, let identity = try? Spawn.Identity(user: user) else { return true }
            return identity.isCurrent || !Spawn.Identity.canSwitch
        }
        guard !shared.isEmpty else { return false }
        let me = ProcessInfo.processInfo.environment["USER"] ?? "uid \(geteuid())"
        say("panda up: DEMO MODE: the server, the factory and the pilots of \(shared.map(\.name).joined(separator: ", ")) all run as "
            + "\(me), so a payload can read the signing key (\(signingKey)) and mint tokens. For anything but a demo, run "
            + "`panda up` as root with `batch: { system: local, user: NAME }` on each local queue, or use the packaged services. "
            + "Its pilots run payloads under their own uid (pilot.shared_uid: accept).")
        return true
    }

    static func mint(_ signer: TokenSigner, subject: String, scope: Scope, queues: [String], days: Int64) throws -> String {
        let now = Int64(Date().timeIntervalSince1970)
        return try signer.sign(TokenClaims(subject: subject, scope: scope, queues: queues, issuedAt: now, expiresAt: now + days * 86_400))
    }

    /// Writes client.yaml and a 0600 token beside it, so `panda submit` and
    /// friends work against this installation at once.
    static func writeClientSettings(state: String, url: String, token: String, storage: String?) throws -> String {
        let tokenFile = state + "/user.token"
        let path = state + "/client.yaml"
        guard FileManager.default.createFile(atPath: tokenFile, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600]),
              chmod(tokenFile, 0o600) == 0 else {
            throw ValidationError("cannot write \(tokenFile)")
        }
        let text = """
            # Written by `panda up`: the client settings for this installation.
            server: \(url)
            token_file: user.token
            \(storage.map { "defaults:\n  storage: \($0)\n" } ?? "")
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The directory behind the queue's write_to endpoint, which must be local.
    static func localDirectory(of queue: QueueConfig, in configuration: PandaConfiguration) throws -> String {
        guard let name = queue.writeTo, let endpoint = configuration.storage(named: name),
              case .local(let path) = StorageLocation(endpoint.url.string) else {
            throw ValidationError("queue \(queue.name) needs a write_to storage endpoint on this machine (a path or file:// URL) for the demo")
        }
        return path
    }

    static func waitUntilHealthy(_ url: String, server: ChildRole) async throws {
        let transport = CurlTransport(settings: HTTPSettings(connectTimeout: .seconds(1), timeout: .seconds(2)))
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let exit = server.exited {
                printError("panda up: the server exited (\(exit)) at start; last lines of \(server.log):\n\(server.tail())")
                throw ExitCode(1)
            }
            if let reply = try? await transport.perform(HTTPExchange(method: "GET", url: url + "/healthz")), reply.status == 200 { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
        server.stop()
        printError("panda up: the server did not become healthy in 30 s; see \(server.log)")
        throw ExitCode(1)
    }

    static func whereToLook(url: String, state: String, storage: String, scope: String, config: String, firstJob: Int64?) {
        say("""

            Where to look next:
              outputs and log tarballs   \(storage)/\(scope)/
              server and factory logs    \(state)/server.log, \(state)/factory.log
              pilots (scripts, output)   \(state)/pilots/
              the client's settings      export PANDA_CLIENT_CONFIG=\(state)/client.yaml
              your jobs                  panda jobs
              one job's history          panda show \(firstJob ?? 1)
              its log tarball            panda logs \(firstJob ?? 1) --cat payload.stdout
              metrics (Prometheus)       \(url)/metrics
            panda keeps running; Ctrl-C stops it.
            """)
    }
}
