/// Why a pilot's acquire found nothing although the queue has activated
/// jobs: how many of them (up to a bounded sample) each of the pilot's
/// resources is too small for, and the least those jobs need.
///
/// ```swift
/// let why = UnmatchedJobs(queue: "SQ", activated: 3, offer: offer, short: [.walltime: .init(jobs: 3, least: 3600)])
/// why.message   // "3 activated jobs at SQ, none fits this pilot: 3 need 1h walltime or more; this pilot has 59m59s"
/// ```
public struct UnmatchedJobs: Sendable, Equatable {
    /// A resource a pilot offers and a job asks for.
    public enum Resource: String, Sendable, CaseIterable, Codable {
        case cores, memory, disk, walltime
    }

    /// The jobs a resource is too small for, and the least of their needs
    /// (cores; bytes for memory and disk; seconds for walltime).
    public struct Shortfall: Sendable, Equatable {
        public var jobs: Int
        public var least: Int64
        public init(jobs: Int, least: Int64) {
            self.jobs = jobs
            self.least = least
        }
    }

    /// What the pilot offered, as it asked.
    public struct Offer: Sendable, Equatable {
        public var cores: Int
        public var memory: ByteCount
        public var disk: ByteCount
        public var remaining: TimeSpan
        public init(cores: Int, memory: ByteCount, disk: ByteCount, remaining: TimeSpan) {
            self.cores = cores
            self.memory = memory
            self.disk = disk
            self.remaining = remaining
        }
    }

    public var queue: String
    /// Activated jobs looked at (the sample is bounded; `sampled` says when it was cut).
    public var activated: Int
    public var sampled: Bool
    public var offer: Offer
    public var short: [Resource: Shortfall]

    public init(queue: String, activated: Int, sampled: Bool = false, offer: Offer, short: [Resource: Shortfall]) {
        self.queue = queue
        self.activated = activated
        self.sampled = sampled
        self.offer = offer
        self.short = short
    }

    /// The sentence a pilot logs and an operator reads.
    public var message: String {
        let count = sampled ? "\(activated)+" : "\(activated)"
        let jobs = "\(count) activated job\(activated == 1 && !sampled ? "" : "s") at \(queue), none fits this pilot"
        let parts = Resource.allCases.compactMap { resource -> String? in
            guard let shortfall = short[resource] else { return nil }
            return "\(shortfall.jobs) need\(shortfall.jobs == 1 ? "s" : "") \(Self.amount(resource, shortfall.least)) or more; "
                + "this pilot has \(offered(resource))"
        }
        return parts.isEmpty ? jobs : jobs + ": " + parts.joined(separator: "; ")
    }

    /// The resources that were too small, for metrics labels.
    public var resources: [Resource] { Resource.allCases.filter { short[$0] != nil } }

    public func offered(_ resource: Resource) -> String {
        switch resource {
        case .cores: return "\(offer.cores) core\(offer.cores == 1 ? "" : "s")"
        case .memory: return "\(offer.memory) memory"
        case .disk: return "\(offer.disk) disk"
        case .walltime: return "\(offer.remaining)"
        }
    }

    /// A need in the units a person reads: `8 cores`, `4GB memory`, `1h walltime`.
    public static func amount(_ resource: Resource, _ value: Int64) -> String {
        switch resource {
        case .cores: return "\(value) core\(value == 1 ? "" : "s")"
        case .memory: return "\(ByteCount(bytes: value)) memory"
        case .disk: return "\(ByteCount(bytes: value)) disk"
        case .walltime: return "\(TimeSpan.seconds(value)) walltime"
        }
    }
}
