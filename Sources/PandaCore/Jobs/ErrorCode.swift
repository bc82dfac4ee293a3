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
        ErrorCode(number: 1008, name: "general_error", text: "pilot error; see the pilot's log", isRetryable: true),
        ErrorCode(number: 1098, name: "no_local_space", text: "not enough local disk space", isRetryable: true),
        ErrorCode(number: 1099, name: "stage_in_failed", text: "failed to stage in a file", isRetryable: true),
        ErrorCode(number: 1100, name: "replica_not_found", text: "no readable replica of an input file", isRetryable: true),
        ErrorCode(number: 1103, name: "no_such_file", text: "an output the job declares was not produced", isRetryable: false),
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
        ErrorCode(number: 1375, name: "no_time_left", text: "not enough time left in the batch slot", isRetryable: true),
        // pilot3 maps exit code 2 to this (ATLAS's setup convention); panda keeps the number.
        ErrorCode(number: 1378, name: "setup_timed_out", text: "payload exited with code 2 (setup failed or timed out)", isRetryable: true),
        ErrorCode(number: 1379, name: "preempted", text: "the batch system preempted the job", isRetryable: true),
        ErrorCode(number: 1384, name: "queue_without_containers", text: "the job needs a container but the queue has no container_command", isRetryable: false),
        // panda's own, above pilot3's highest number: PanDA has no code for it.
        ErrorCode(number: 1390, name: "node_too_small", text: "the worker node has fewer cores or less memory than the queue's jobs need", isRetryable: true),
        ErrorCode(number: 1391, name: "output_registered", text: "an output's or log's name is registered with other contents; nothing was written", isRetryable: false),
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
    public static let generalError = catalogue[1008]!
    public static let noLocalSpace = catalogue[1098]!
    public static let stageInFailed = catalogue[1099]!
    public static let replicaNotFound = catalogue[1100]!
    public static let noSuchFile = catalogue[1103]!
    public static let workDirTooBig = catalogue[1104]!
    public static let stdoutTooBig = catalogue[1106]!
    public static let stageOutFailed = catalogue[1137]!
    public static let stageInMD5 = catalogue[1145]!
    public static let loopingJob = catalogue[1150]!
    public static let stageInTimeout = catalogue[1151]!
    public static let stageOutTimeout = catalogue[1152]!
    public static let stageOutChecksum = catalogue[1172]!
    public static let stageInChecksum = catalogue[1171]!
    public static let walltimeExceeded = catalogue[1213]!
    public static let memoryExceeded = catalogue[1235]!
    public static let noTimeLeft = catalogue[1375]!
    public static let setupTimedOut = catalogue[1378]!
    public static let queueWithoutContainers = catalogue[1384]!
    public static let outputRegistered = catalogue[1391]!
    public static let nodeTooSmall = catalogue[1390]!

    /// The error a payload's exit ends the job with, nil for success: exit 2
    /// is 1378 as in pilot3, any other non-zero exit 1305, and a payload
    /// killed by a signal nobody sent is 1305 too (its text says which).
    public static func forPayloadExit(_ status: Int32) -> ErrorCode? {
        switch status {
        case 0: return nil
        case 2: return setupTimedOut
        default: return payloadFailed
        }
    }

    /// The code for a signal the batch system sent the pilot (1201+).
    public static func forSignal(_ signal: Int32) -> ErrorCode {
        switch signal {
        case 15: return catalogue[1201]!
        case 3: return catalogue[1202]!
        case 11: return catalogue[1203]!
        case 24: return catalogue[1204]!
        case 7: return catalogue[1206]!
        case 10: return catalogue[1207]!
        case 2: return catalogue[1208]!
        default: return catalogue[1201]!
        }
    }
}
