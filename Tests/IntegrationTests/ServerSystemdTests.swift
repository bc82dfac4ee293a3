import Foundation
import Testing
import TestSupport
import PandaSystem

@Suite("panda server under systemd's notify protocol")
struct ServerSystemdTests {
    @Test("READY=1 once listening, STATUS= with figures, WATCHDOG=1 while the store commits, none while it is wedged, STOPPING=1 on SIGTERM")
    func notifyAndWatchdog() async throws {
        let socket = try NotifySocket()
        let server = try ServerProcess(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000000"], start: false)
        defer { server.cleanUp() }
        try server.start()
        let first = socket.receiveAll(for: 3)
        #expect(first.contains("READY=1"))
        #expect(first.contains { $0.hasPrefix("STATUS=") && $0.contains("activated") && $0.contains("dispatches/min") })
        #expect(first.filter { $0 == "WATCHDOG=1" }.count >= 3, "pings every half second: \(first)")

        // Another process takes SQLite's write lock and holds it: the store
        // cannot commit, and the watchdog must stop being fed.
        let locker = try SQLiteLocker.hold(server.databasePath, for: 6)
        let wedged = socket.receiveTimed(for: 5).filter { $0.message == "WATCHDOG=1" }.map(\.at)
        // A ping or two may go out before the health probe goes stale (1 s),
        // then none for as long as the lock is held.
        let pingsAfterFirstSecond = wedged.filter { $0 > 1.6 }
        #expect(pingsAfterFirstSecond.isEmpty, "pings while the store was wedged, at seconds \(wedged)")
        locker.wait()
        let recovered = socket.receiveAll(for: 4)
        #expect(recovered.contains("WATCHDOG=1"), "pings resume once the store commits again: \(recovered)")

        server.process?.terminate()
        let stopping = socket.receiveAll(for: 2)
        #expect(stopping.contains("STOPPING=1"))
    }
}
