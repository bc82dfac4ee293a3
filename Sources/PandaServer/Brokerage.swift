import PandaConfig
import PandaCore

/// Chooses a queue for a job, like PanDA's generic brokerage: among queues
/// that are online, fit the job and can read a replica of every input from
/// a storage endpoint in their `read_from`, weight each by
/// (running + 1) / (activated + assigned + 1), scaled up for the share of
/// inputs on its nearest storage, and draw at random among the best few.
///
/// ```swift
/// let queue = try Brokerage(configuration: config).choose(for: spec, load: summary)
/// ```
struct Brokerage: Sendable {
    let queues: [QueueConfig]
    /// How many of the best-weighted queues the random draw chooses among.
    static let candidatesDrawn = 5

    init(configuration: PandaConfiguration) {
        queues = configuration.queues
    }

    func choose<G: RandomNumberGenerator>(for spec: JobSpec, load: StateSummary, using generator: inout G) throws(BrokerageError) -> QueueConfig {
        if let name = spec.queue {
            guard let queue = queues.first(where: { $0.name == name }) else {
                throw .noQueue("queue \(name) does not exist")
            }
            switch queue.status {
            case .offline: throw .noQueue("queue \(name) is offline")
            case .brokeroff: throw .noQueue("queue \(name) is brokeroff and takes no new jobs")
            case .online, .test: break
            }
            if let misfit = misfit(spec, queue) { throw .noQueue("queue \(name) does not fit: \(misfit)") }
            return queue
        }
        var reasons: [String] = []
        var candidates: [(queue: QueueConfig, weight: Double)] = []
        for queue in queues {
            guard queue.status.acceptsBrokerage else {
                reasons.append("\(queue.name): \(queue.status.rawValue)")
                continue
            }
            if let misfit = misfit(spec, queue) {
                reasons.append("\(queue.name): \(misfit)")
                continue
            }
            candidates.append((queue, weight(of: queue, for: spec, load: load)))
        }
        guard !candidates.isEmpty else {
            throw .noQueue(queues.isEmpty ? "no queues are configured" : "no queue fits: " + reasons.joined(separator: "; "))
        }
        let best = candidates.sorted { $0.weight > $1.weight }.prefix(Self.candidatesDrawn)
        let total = best.reduce(0) { $0 + $1.weight }
        var point = Double.random(in: 0..<total, using: &generator)
        for candidate in best {
            point -= candidate.weight
            if point < 0 { return candidate.queue }
        }
        return best.last!.queue
    }

    /// What about the job the queue cannot give, or nil when it fits.
    func misfit(_ spec: JobSpec, _ queue: QueueConfig) -> String? {
        var problems: [String] = []
        if spec.resources.cores > queue.corecount { problems.append("needs \(spec.resources.cores) cores, has \(queue.corecount)") }
        if let memory = spec.resources.memory, memory > queue.maxrss { problems.append("needs \(memory) memory, allows \(queue.maxrss)") }
        if let disk = spec.resources.disk, disk > queue.maxwdir { problems.append("needs \(disk) disk, allows \(queue.maxwdir)") }
        if let walltime = spec.resources.walltime, walltime > queue.maxtime { problems.append("needs \(walltime) walltime, allows \(queue.maxtime)") }
        else if let walltime = spec.resources.walltime, walltime > queue.longestJob {
            problems.append("needs \(walltime) walltime, its pilots (pilots.walltime \(queue.pilots.walltime)) give a job at most \(queue.longestJob)")
        }
        // Refused here, not found out by the pilot later (1384).
        if let image = spec.payload.container, queue.containerCommand.isEmpty {
            problems.append("runs no containers (no container_command) and the job asks for \(image)")
        }
        let missing = spec.software.filter { !queue.software.contains($0) }
        if !missing.isEmpty { problems.append("lacks software \(missing.joined(separator: ", "))") }
        if let unreadable = spec.inputs.first(where: { input in !input.replicas.contains { queue.readFrom.contains($0.storage) } }) {
            let places = Set(unreadable.replicas.map(\.storage)).sorted()
            problems.append("cannot read input \(unreadable.lfn) (replicas at \(places.isEmpty ? "no storage" : places.joined(separator: ", ")); "
                            + "reads \(queue.readFrom.isEmpty ? "none" : queue.readFrom.joined(separator: ", ")))")
        }
        // A job's outputs go only to its queue's write_to endpoint.
        if let elsewhere = spec.writtenFiles.lazy.compactMap(\.destination).first(where: { $0 != queue.writeTo }) {
            problems.append("writes to \(queue.writeTo ?? "no storage"), not \(elsewhere)")
        }
        return problems.isEmpty ? nil : problems.joined(separator: ", ")
    }

    private func weight(of queue: QueueConfig, for spec: JobSpec, load: StateSummary) -> Double {
        let running = [JobState.sent, .starting, .running].reduce(0) { $0 + load.count(queue: queue.name, state: $1) }
        let waiting = load.count(queue: queue.name, state: .activated) + load.count(queue: queue.name, state: .assigned)
        var weight = Double(running + 1) / Double(waiting + 1)
        if !spec.inputs.isEmpty {
            // Every candidate reads every input; nearer (earlier in read_from) is better.
            let nearest = spec.inputs.count(where: { input in input.replicas.contains { $0.storage == queue.readFrom.first } })
            weight *= 1 + 3 * Double(nearest) / Double(spec.inputs.count)
        }
        return weight
    }
}

enum BrokerageError: Error {
    case noQueue(String)
}
