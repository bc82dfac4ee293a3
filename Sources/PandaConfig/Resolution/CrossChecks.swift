import Foundation
import PandaCore

/// Checks that relate values to each other once everything is resolved:
/// references to storage and queues, batch keys that belong to another
/// system, limits that contradict each other. Each problem points at a value
/// the user wrote, never at a default.
struct CrossChecks {
    let configuration: PandaConfiguration
    let context: DecodeContext

    func run() {
        checkServer()
        checkMonitor()
        let storageNames = configuration.storageEndpoints.map(\.name)
        for queue in configuration.queues {
            checkStorage(of: queue, names: storageNames)
            checkBatch(of: queue)
            checkLimits(of: queue)
        }
        checkFactoryQueues()
    }

    private func checkServer() {
        let server = configuration.server
        if !server.listen.isLoopback, server.tls == nil, !server.insecure {
            report(["server.listen"], "listening on \(server.listen.host) without TLS exposes tokens to the network; set server.tls, or server.insecure: true if something in front terminates TLS")
        }
        checkDatabasePassword(server)
    }

    /// What `panda monitor` refuses at start, refused here too, so that
    /// `panda config check` never passes a monitor section it will not run.
    private func checkMonitor() {
        let monitor = configuration.monitor
        if !monitor.listen.isLoopback, monitor.auth == .none {
            report(["monitor.listen", "monitor.auth"], "listening on \(monitor.listen.host) with monitor.auth: none lets anyone who reaches it "
                   + "read every job with the monitor's credential; set monitor.auth: token, or listen on 127.0.0.1")
        }
        if !monitor.listen.isLoopback, monitor.auth == .token, !monitor.servedOverTLS {
            report(["monitor.listen", "monitor.auth"], "listening on \(monitor.listen.host) in plain HTTP with monitor.auth: token sends users' "
                   + "tokens across the network in clear; set monitor.tls, or listen on 127.0.0.1 behind an HTTPS proxy with monitor.proxy_tls: true")
        }
    }

    /// The password file belongs to a PostgreSQL database, and must exist and
    /// not be readable by every user (the server refuses it at start otherwise).
    private func checkDatabasePassword(_ server: ServerConfig) {
        guard let file = server.databasePasswordFile else { return }
        let key = "server.database_password_file"
        guard server.database.postgres != nil else {
            report([key], "a password file applies only to a postgres:// database, and server.database is \(server.database)")
            return
        }
        var info = stat()
        if stat(file, &info) != 0 {
            if errno == ENOENT { report([key], "\(file) does not exist") }
        } else if info.st_mode & S_IFMT != S_IFREG {
            report([key], "\(file) is not a regular file")
        } else if info.st_mode & 0o004 != 0 {
            report([key], "\(file) is readable by every user (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 0600 or 0640 it")
        }
    }

    /// `names` are every endpoint's, for suggestions; computed once, not per queue.
    private func checkStorage(of queue: QueueConfig, names: [String]) {
        let base = "sites.\(queue.site).queues.\(queue.name)"
        var referenced: [StorageEndpoint] = []
        for (index, name) in queue.readFrom.enumerated() {
            guard let endpoint = configuration.storage(named: name) else {
                report(["\(base).read_from[\(index)]", "\(base).read_from"], "storage endpoint '\(name)' does not exist\(Suggestion.hint(for: name, in: names))")
                continue
            }
            referenced.append(endpoint)
        }
        if let name = queue.writeTo {
            if let endpoint = configuration.storage(named: name) {
                referenced.append(endpoint)
                if endpoint.readOnly {
                    report(["\(base).write_to"], "storage endpoint '\(name)' is read_only; outputs cannot be written there")
                }
            } else {
                report(["\(base).write_to"], "storage endpoint '\(name)' does not exist\(Suggestion.hint(for: name, in: names))")
            }
        }
        for endpoint in referenced {
            let usable = endpoint.url.isLocal
                ? queue.copytools.contains(.cp) || queue.copytools.contains(.symlink)
                : queue.copytools.contains(.https)
            if !usable {
                let needed = endpoint.url.isLocal ? "cp or symlink" : "https"
                report(["\(base).copytools", "\(base).read_from", "\(base).write_to"],
                       "storage endpoint '\(endpoint.name)' (\(endpoint.url.scheme)://) needs copy tool \(needed), which copytools lacks")
            }
        }
    }

    private func checkBatch(of queue: QueueConfig) {
        guard let batch = queue.batch else { return }
        let base = "sites.\(queue.site).queues.\(queue.name).batch"
        let written: [String: Bool] = [
            "partition": batch.partition != nil, "qos": batch.qos != nil, "account": batch.account != nil,
            "queue": batch.queue != nil, "slots": batch.slots != nil, "submit_lines": !batch.submitLines.isEmpty,
        ]
        for (key, systems) in BatchConfig.keysBySystem.sorted(by: { $0.key < $1.key }) where written[key] == true {
            guard !systems.contains(batch.system) else { continue }
            let owners = systems.map(\.rawValue).sorted().joined(separator: " and ")
            report(["\(base).\(key)"], "'\(key)' is for batch system \(owners), but this queue uses \(batch.system.rawValue)")
        }
    }

    private func checkLimits(of queue: QueueConfig) {
        let base = "sites.\(queue.site).queues.\(queue.name)"
        if queue.pilots.queued > queue.pilots.max {
            report(["\(base).pilots.queued", "\(base).pilots.max"],
                   "pilots.queued (\(queue.pilots.queued)) is more than pilots.max (\(queue.pilots.max))")
        }
        if queue.pilots.walltime < queue.maxtime {
            report(["\(base).pilots.walltime", "\(base).maxtime"],
                   "pilots.walltime (\(queue.pilots.walltime)) is shorter than maxtime (\(queue.maxtime)): no pilot could finish the longest job")
        }
        let timeout = configuration.server.timeouts.heartbeat
        if queue.heartbeat >= timeout {
            report(["\(base).heartbeat", "server.timeouts.heartbeat"],
                   "heartbeat (\(queue.heartbeat)) is not shorter than server.timeouts.heartbeat (\(timeout)): every running job would be declared lost")
        }
    }

    private func checkFactoryQueues() {
        let names = configuration.queues.map(\.name)
        for (index, name) in configuration.factory.queues.enumerated() {
            let paths = ["factory.queues[\(index)]", "factory.queues"]
            guard let queue = configuration.queue(named: name) else {
                report(paths, "'\(name)' is not a queue\(Suggestion.hint(for: name, in: names))")
                continue
            }
            if queue.batch == nil {
                report(paths, "queue '\(name)' has no batch section, so no factory can submit its pilots")
            }
        }
    }

    /// Reports at the first of `paths` that was written somewhere.
    private func report(_ paths: [String], _ message: String) {
        for path in paths {
            if let mark = context.mark(of: path) {
                context.diagnostics.error(mark, path, message)
                return
            }
        }
    }
}
