import Foundation
import TestSupport
import Testing
@testable import PandaSystem

/// These tests set NOTIFY_SOCKET and WATCHDOG_USEC for the whole test
/// process, so they run one at a time.
@Suite("systemd notify", .serialized)
struct SystemdNotifierTests {
    @Test("READY, STATUS, WATCHDOG and STOPPING arrive on NOTIFY_SOCKET as sent")
    func messages() throws {
        let socket = try NotifySocket()
        setenv("NOTIFY_SOCKET", socket.path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        let systemd = SystemdNotifier()
        #expect(systemd.isActive)
        #expect(systemd.ready())
        #expect(socket.receive() == "READY=1")
        #expect(systemd.status("12 running\n3 activated"))
        #expect(socket.receive() == "STATUS=12 running 3 activated")
        #expect(systemd.watchdog())
        #expect(socket.receive() == "WATCHDOG=1")
        #expect(systemd.stopping())
        #expect(socket.receive() == "STOPPING=1")
    }

    @Test("without NOTIFY_SOCKET nothing is sent and nothing fails")
    func outsideSystemd() {
        unsetenv("NOTIFY_SOCKET")
        let systemd = SystemdNotifier()
        #expect(!systemd.isActive)
        #expect(!systemd.ready())
    }

    @Test("the watchdog interval is half of WATCHDOG_USEC, and absent without it")
    func watchdogInterval() {
        unsetenv("WATCHDOG_PID")
        setenv("WATCHDOG_USEC", "20000000", 1)
        #expect(SystemdNotifier().watchdogInterval == .seconds(10))
        setenv("WATCHDOG_PID", "1", 1)
        #expect(SystemdNotifier().watchdogInterval == nil, "a watchdog meant for another process is not ours")
        unsetenv("WATCHDOG_PID")
        unsetenv("WATCHDOG_USEC")
        #expect(SystemdNotifier().watchdogInterval == nil)
    }
}
