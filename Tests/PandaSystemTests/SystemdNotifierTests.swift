import Foundation
import Testing
@testable import PandaSystem

/// A datagram socket standing where systemd's notify socket would, so the
/// messages libsystemd sends can be read back.
final class NotifySocket {
    let path: String
    let descriptor: Int32

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("panda-notify-\(UUID().uuidString.prefix(8))").path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8.prefix(buffer.count - 1))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next datagram, or nil after two seconds.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }

    deinit {
        close(descriptor)
        unlink(path)
    }
}

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
