import Foundation

/// For a role `panda up` started: when `panda up` is gone (killed, even with
/// SIGKILL), the role sends itself SIGTERM and stops as it would on Ctrl-C;
/// a factory stops its local pilots on the way out. `panda up` puts its pid
/// in `PANDA_PARENT_PID`; a role started otherwise has none and is left alone.
///
/// ```swift
/// OrphanWatch.startIfAsked()   // first thing in a role's run()
/// ```
/// A thread that compares getppid() with that pid twice a second, rather
/// than PR_SET_PDEATHSIG: the kernel sends that signal when the parent's
/// *thread* that forked exits, and `panda up` spawns from Swift's thread
/// pool, whose threads come and go.
public enum OrphanWatch {
    public static let variable = "PANDA_PARENT_PID"

    public static func startIfAsked(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let text = environment[variable], let parent = pid_t(text), parent > 1 else { return }
        // Not passed on to what this role starts (pilots, batch commands).
        unsetenv(variable)
        let thread = Thread {
            while getppid() == parent { usleep(500_000) }
            kill(getpid(), SIGTERM)
        }
        thread.name = "panda-orphan-watch"
        thread.start()
    }
}
