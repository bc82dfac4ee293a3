/// An error a job can end with: PanDA's number where PanDA has the meaning,
/// a name, a text for people, and whether another attempt may help.
///
/// ```swift
/// let code = ErrorCode.catalogue[1150]      // looping job
/// code?.isRetryable                         // true
/// ```
public struct ErrorCode: Sendable, Hashable, Codable, CustomStringConvertible {
    public let number: Int
    public let name: String
    public let text: String
    public let isRetryable: Bool

    public var description: String { "\(number) \(name): \(text)" }

    /// The one definition of every code, by number.
    public static let catalogue: [Int: ErrorCode] = Dictionary(uniqueKeysWithValues: all.map { ($0.number, $0) })

    /// Unknown numbers (from a newer pilot, say) are kept and treated as retryable.
    public static func lookup(_ number: Int) -> ErrorCode {
        catalogue[number] ?? ErrorCode(number: number, name: "unknown", text: "error \(number) (not in this server's catalogue)", isRetryable: true)
    }

    public static let all: [ErrorCode] = pilot + server

    // Pilot codes keep PanDA pilot 3's numbers (pilot/common/errorcodes.py).
    static let pilot: [ErrorCode] = [
        ErrorCode(number: 1098, name: "no_local_space", text: "not enough local disk space", isRetryable: true),
        ErrorCode(number: 1099, name: "stage_in_failed", text: "failed to stage in a file", isRetryable: true),
        ErrorCode(number: 1100, name: "replica_not_found", text: "no readable replica of an input file", isRetryable: true),
        ErrorCode(number: 1104, name: "work_dir_too_big", text: "work directory exceeded its size limit", isRetryable: false),
        ErrorCode(number: 1106, name: "stdout_too_big", text: "payload stdout or stderr exceeded its size limit", isRetryable: false),
        ErrorCode(number: 1137, name: "stage_out_failed", text: "failed to stage out a file", isRetryable: true),
        ErrorCode(number: 1144, name: "killed_by_server", text: "job killed on the server's command", isRetryable: false),
        ErrorCode(number: 1141, name: "stage_out_md5", text: "md5 of a staged-out file differs from the local one", isRetryable: true),
        ErrorCode(number: 1145, name: "stage_in_md5", text: "md5 of a staged-in file differs from the catalogue", isRetryable: true),
        ErrorCode(number: 1150, name: "looping_job", text: "no file in the work directory was modified for the looping limit", isRetryable: true),
        ErrorCode(number: 1151, name: "stage_in_timeout", text: "stage-in timed out", isRetryable: true),
        ErrorCode(number: 1152, name: "stage_out_timeout", text: "stage-out timed out", isRetryable: true),
        ErrorCode(number: 1171, name: "stage_in_checksum", text: "adler32/md5 of a staged-in file differs from the catalogue", isRetryable: true),
        ErrorCode(number: 1172, name: "stage_out_checksum", text: "adler32/md5 of a staged-out file differs from the local one", isRetryable: true),
        ErrorCode(number: 1201, name: "sigterm", text: "pilot received SIGTERM", isRetryable: true),
        ErrorCode(number: 1202, name: "sigquit", text: "pilot received SIGQUIT", isRetryable: true),
        ErrorCode(number: 1203, name: "sigsegv", text: "pilot received SIGSEGV", isRetryable: true),
        ErrorCode(number: 1204, name: "sigxcpu", text: "pilot received SIGXCPU (CPU time limit)", isRetryable: true),
        ErrorCode(number: 1206, name: "sigbus", text: "pilot received SIGBUS", isRetryable: true),
        ErrorCode(number: 1207, name: "sigusr1", text: "pilot received SIGUSR1 (batch system preemption)", isRetryable: true),
        ErrorCode(number: 1208, name: "sigint", text: "pilot received SIGINT", isRetryable: true),
        ErrorCode(number: 1212, name: "out_of_memory", text: "payload ran out of memory", isRetryable: false),
        ErrorCode(number: 1213, name: "walltime_exceeded", text: "payload reached its time limit", isRetryable: false),
        ErrorCode(number: 1235, name: "memory_exceeded", text: "payload exceeded its memory limit", isRetryable: false),
        ErrorCode(number: 1305, name: "payload_failed", text: "payload failed (exited with a non-zero code)", isRetryable: false),
        ErrorCode(number: 1379, name: "preempted", text: "the batch system preempted the job", isRetryable: true),
    ]

    // Server-side codes, in the range PanDA's server uses for its own supervision.
    static let server: [ErrorCode] = [
        ErrorCode(number: 102, name: "sent_timeout", text: "the pilot never reported after taking the job", isRetryable: true),
        ErrorCode(number: 103, name: "lost_heartbeat", text: "the pilot stopped sending heartbeats", isRetryable: true),
        ErrorCode(number: 104, name: "holding_timeout", text: "outputs were never confirmed stored", isRetryable: false),
        ErrorCode(number: 105, name: "killed_by_user", text: "killed by its owner or an operator", isRetryable: false),
    ]

    public static let sentTimeout = catalogue[102]!
    public static let lostHeartbeat = catalogue[103]!
    public static let holdingTimeout = catalogue[104]!
    public static let killedByUser = catalogue[105]!
    public static let killedByServer = catalogue[1144]!
    public static let payloadFailed = catalogue[1305]!
}
