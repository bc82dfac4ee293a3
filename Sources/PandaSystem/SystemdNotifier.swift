import CSystemd
import Foundation

/// Tells systemd how a `Type=notify` service is doing, through `sd_notify`.
///
/// ```swift
/// let systemd = SystemdNotifier()
/// systemd.ready()                              // once the role really serves
/// systemd.status("312 running, 40 activated")
/// if let interval = systemd.watchdogInterval { /* ping every interval */ }
/// ```
/// Outside systemd (no `NOTIFY_SOCKET`) every call does nothing, so roles can
/// call it unconditionally.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// Whether a service manager is listening.
    public var isActive: Bool {
        ProcessInfo.processInfo.environment["NOTIFY_SOCKET"].map { !$0.isEmpty } ?? false
    }

    /// `READY=1`: start-up is complete.
    @discardableResult
    public func ready() -> Bool { send("READY=1") }

    /// `STATUS=…`: one line `systemctl status` shows.
    @discardableResult
    public func status(_ text: String) -> Bool {
        send("STATUS=" + text.replacingOccurrences(of: "\n", with: " "))
    }

    /// `WATCHDOG=1`: the service is alive; send only after checking that it is.
    @discardableResult
    public func watchdog() -> Bool { send("WATCHDOG=1") }

    /// `STOPPING=1`: a graceful stop has begun.
    @discardableResult
    public func stopping() -> Bool { send("STOPPING=1") }

    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, as systemd
    /// recommends, or nil when the unit has no watchdog (or it is meant for
    /// another process, per `WATCHDOG_PID`).
    public var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds / 2))
    }

    /// Sends one or more newline-separated assignments; true when delivered.
    @discardableResult
    public func send(_ state: String) -> Bool {
        sd_notify(0, state) > 0
    }
}
