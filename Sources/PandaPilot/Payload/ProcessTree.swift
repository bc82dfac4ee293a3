import CProcessShim
import Foundation
import PandaSystem

/// The pilot's descendants. The pilot is a child subreaper, so a payload's
/// processes that escape its process group (setsid after a double fork)
/// are reparented to the pilot instead of init, and the end of a job kills
/// every one of them: nothing a job started outlives it.
///
/// ```swift
/// ProcessTree.becomeSubreaper()          // once, at pilot start
/// ProcessTree.killDescendants(log: log)  // after each payload
/// ```
enum ProcessTree {
    static func becomeSubreaper() -> Bool {
        panda_set_child_subreaper() == 0
    }

    /// SIGKILLs every descendant and reaps those that are the pilot's
    /// children, in rounds until none is left (a process may fork between
    /// the scan and its kill; its children are found in the next round).
    /// Only called when no payload runs, so every descendant is a leftover.
    static func killDescendants(log: PilotLog) {
        // Every descendant of a subreaper has a living ancestor that is its
        // child, or is its child itself: with no child at all there is
        // nothing to kill, which one system call says. Only then is the
        // process table read, so an ordinary job does not cost a read of
        // every /proc/PID/stat on the node (hundreds on a busy one).
        guard hasChildren() else { return }
        let me = getpid()
        var killed = 0
        for _ in 0..<20 {
            let all = ProcessStat.all()
            var children: [pid_t: [pid_t]] = [:]
            for process in all { children[process.parent, default: []].append(process.pid) }
            var found: [pid_t] = []
            var queue = children[me] ?? []
            while let pid = queue.popLast() {
                found.append(pid)
                queue += children[pid] ?? []
            }
            guard !found.isEmpty else { break }
            let living = found.filter { ProcessStat.isRunning($0) }
            for pid in living { kill(pid, SIGKILL) }
            killed += living.count
            // Reap by pid, never waitpid(-1): that could take the status a
            // payload's own waiting thread is owed.
            for pid in children[me] ?? [] {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
        }
        if killed > 0 { log.info("killed \(killed) process(es) the payload left behind") }
    }

    /// Whether this process has a child, running or ended and not yet
    /// reaped, whatever signal it reports its end with (__WALL). WNOWAIT
    /// leaves an ended child's status where it is: a payload's waiting
    /// thread may still be owed it.
    static func hasChildren() -> Bool {
        var info = siginfo_t()
        let all: Int32 = 0x4000_0000  // __WALL
        return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT | all) == 0 || errno != ECHILD
    }
}
