/// A store with a lifetime: `run()` serves its writes until `close()`, which
/// commits what was accepted and lets `run()` return. The server runs it as
/// the first service of its group, so it stops last.
///
/// ```swift
/// let store: any ServedJobStore = try SQLiteJobStore(path: path)
/// Task { await store.run() }
/// store.close()
/// ```
public protocol ServedJobStore: JobStore {
    func run() async
    func close()
}

extension SQLiteJobStore: ServedJobStore {}
extension PostgresJobStore: ServedJobStore {}
