import Foundation
import PandaCore
@testable import PandaStore

/// A real SQLite store in a temporary file, its writer running.
final class StoreFixture: @unchecked Sendable {
    let directory: String
    let store: SQLiteJobStore
    private var writer: Task<Void, Never>?

    init(busyTimeout: TimeInterval = 10) throws {
        directory = NSTemporaryDirectory() + "panda-store-\(UUID().uuidString)"
        store = try SQLiteJobStore(path: directory + "/panda.db", busyTimeout: busyTimeout)
        let store = self.store
        writer = Task { await store.run() }
    }

    var path: String { directory + "/panda.db" }

    func close() async {
        store.close()
        await writer?.value
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func job(_ name: String = "job", queue: String = "Q", priority: Int = 0, maxAttempts: Int = 3,
                    cores: Int = 1, memory: ByteCount = .gigabytes(2), owner: String = "alice") -> NewJob {
        NewJob(spec: JobSpec(name: name, priority: priority, payload: Payload(executable: "/bin/true")),
               owner: owner, queue: queue, maxAttempts: maxAttempts, cores: cores, memory: memory,
               disk: .gigabytes(1), walltime: .hours(1))
    }

    static func pilot(queue: String = "Q", limit: Int = 1, cores: Int = 8, memory: ByteCount = .gigabytes(16)) -> ClaimRequest {
        ClaimRequest(queue: queue, node: "node1", pilot: "pilot-1", cores: cores, memory: memory,
                     disk: .gigabytes(100), remaining: .hours(24), limit: limit)
    }
}
