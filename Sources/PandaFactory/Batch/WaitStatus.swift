/// How a process ended, as batch systems report it: an exit code, or the
/// signal that killed it.
///
/// ```swift
/// WaitStatus(raw: 768).state        // .done(exit: 3)
/// WaitStatus(exit: 0, signal: 9).state   // .failed("killed by signal 9 (SIGKILL)")
/// ```
struct WaitStatus: Sendable, Equatable {
    let exit: Int
    let signal: Int

    init(exit: Int, signal: Int) {
        self.exit = exit
        self.signal = signal
    }

    /// A waitpid status word (what squeue's exit_code prints).
    init(raw: Int) {
        exit = (raw >> 8) & 0xff
        signal = raw & 0x7f
    }

    /// The pilot ended by itself with `exit`, or was killed.
    var state: PilotBatchState {
        signal != 0 ? .failed(reason: "killed by signal \(Self.name(signal))", exit: nil) : .done(exit: exit)
    }

    static func name(_ signal: Int) -> String {
        let names = [1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM", 24: "SIGXCPU", 10: "SIGUSR1"]
        return names[signal].map { "\(signal) (\($0))" } ?? "\(signal)"
    }
}
