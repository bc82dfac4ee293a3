import Synchronization

/// The writes waiting for a batch writer's next transaction, shared by the
/// SQLite and the PostgreSQL writer: callers add, committers take what has
/// gathered (up to a limit) or wait for the next write.
///
/// ```swift
/// guard queue.add([item]) else { item.abort(StoreError.database("the store is closed")); return }
/// while let batch = await queue.next(limit: 500) { commit(batch) }   // nil once stopped and drained
/// ```
final class WriteQueue<Item: Sendable>: Sendable {
    private let state = Mutex(State())

    private struct State {
        var pending: [Item] = []
        var waiters: [CheckedContinuation<Void, Never>] = []
        var stopped = false
    }

    /// Adds the items and wakes a waiting committer; false (nothing added) once stopped.
    func add(_ items: [Item]) -> Bool {
        let (waiter, added) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
            guard !state.stopped else { return (nil, false) }
            state.pending.append(contentsOf: items)
            return (state.waiters.popLast(), true)
        }
        waiter?.resume()
        return added
    }

    /// Takes no more items; committers drain what is left, then `next` gives nil.
    func stop() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.stopped = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The items waiting now, at most `limit`, or nil once stopped and drained.
    func next(limit: Int) async -> [Item]? {
        while true {
            let (batch, stopped) = state.withLock { state -> ([Item], Bool) in
                let batch = Array(state.pending.prefix(limit))
                state.pending.removeFirst(batch.count)
                return (batch, state.stopped)
            }
            if !batch.isEmpty { return batch }
            if stopped { return nil }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if !state.pending.isEmpty || state.stopped { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}
