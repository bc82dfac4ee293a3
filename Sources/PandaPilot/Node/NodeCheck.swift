import PandaCore

/// Whether this node can run the queue's jobs at all: the pilot refuses to
/// start, with a PanDA-numbered reason, rather than take work it must fail.
///
/// ```swift
/// if let refusal = NodeCheck(queue: info).refusal(node: node, timeLeft: .hours(2)) { ... }
/// ```
struct NodeCheck {
    let queue: QueueInfo

    func refusal(node: NodeResources, timeLeft: TimeSpan) -> PilotError? {
        if node.disk < queue.maxwdir {
            return .nodeRefused(ErrorCode.noLocalSpace,
                                "\(node.disk) free in the work area, the queue's jobs may use \(queue.maxwdir) (maxwdir)")
        }
        if node.cores < queue.corecount {
            return .nodeRefused(ErrorCode.nodeTooSmall,
                                "\(node.cores) cores here, the queue's jobs use \(queue.corecount) (corecount)")
        }
        if node.memory < queue.maxrss {
            return .nodeRefused(ErrorCode.nodeTooSmall,
                                "\(node.memory) memory available, the queue's jobs may use \(queue.maxrss) (maxrss)")
        }
        if timeLeft.milliseconds <= 0 {
            return .nodeRefused(ErrorCode.noTimeLeft, "no time left in the batch slot")
        }
        return nil
    }
}
