import PandaCore

/// Stops the payload at its walltime, or earlier when the batch slot would
/// otherwise end before the pilot could report (1213).
struct WalltimeWatch: Watch {
    let deadline: ContinuousClock.Instant
    let reason: String

    func check(now: ContinuousClock.Instant) -> JobFailure? {
        now >= deadline ? JobFailure(ErrorCode.walltimeExceeded, reason) : nil
    }
}
