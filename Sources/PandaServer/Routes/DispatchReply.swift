import Foundation
import Hummingbird
import PandaConfig
import PandaCore
import PandaStore
import Synchronization

/// The `pilot/acquire_jobs` reply, written by hand: each job's spec is
/// spliced in as the JSON the store holds, and each queue's limits are
/// encoded once and reused, so dispatch costs no JSON decoding and little
/// encoding. The shape is exactly `Envelope<AcquireResult>`'s.
final class DispatchReply: Sendable {
    private struct LimitsKey: Hashable {
        let queue: String
        let cores: Int
        let memory: Int64
        let disk: Int64
        let walltime: Int64
    }

    private let encodedLimits = Mutex<[LimitsKey: String]>([:])
    /// Distinct resource shapes remembered before the cache starts over.
    static let cacheLimit = 4096

    /// `message` says why an empty reply is empty (see `UnmatchedJobs`).
    func body(for jobs: [ClaimedJob], queue: QueueConfig, limits: (QueueConfig) -> JobLimits, message: String? = nil) -> ByteBuffer {
        let said = message.flatMap { try? JSONReply.encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        var text = #"{"success":true,"message":"#
        text += said ?? (jobs.isEmpty ? #""no job fits""# : #""""#)
        text += #","data":{"jobs":["#
        for (index, job) in jobs.enumerated() {
            if index > 0 { text += "," }
            text += #"{"id":\#(job.id),"attempt":\#(job.attempt),"lease":"\#(job.lease)","spec":"#
            text += job.specJSON
            text += #","limits":"#
            text += encoded(limitsFor: job, queue: queue, limits: limits)
            text += "}"
        }
        text += "]}}"
        return ByteBuffer(string: text)
    }

    private func encoded(limitsFor job: ClaimedJob, queue: QueueConfig, limits: (QueueConfig) -> JobLimits) -> String {
        let key = LimitsKey(queue: queue.name, cores: job.cores, memory: job.memory.bytes, disk: job.disk.bytes,
                            walltime: job.walltime.milliseconds)
        if let cached = encodedLimits.withLock({ $0[key] }) { return cached }
        var jobLimits = limits(queue)
        jobLimits.cores = job.cores
        jobLimits.memory = job.memory
        jobLimits.disk = job.disk
        jobLimits.walltime = job.walltime
        let text = (try? JSONReply.encoder.encode(jobLimits)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        encodedLimits.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll() }
            cache[key] = text
        }
        return text
    }
}
