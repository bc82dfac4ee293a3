#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A listener that could not bind, said so that an operator can act: which
/// address, which setting holds it, and what usually causes the errno.
///
/// ```swift
/// throw ListenFailure(address: "127.0.0.1:25443", setting: "server.listen", errno: EADDRINUSE)
/// // cannot listen on 127.0.0.1:25443 (server.listen): the address is already in use: ...
/// ```
/// Every role that listens (server, monitor, and `panda up`, which runs
/// them) reports a failed bind through this one type.
public struct ListenFailure: Error, CustomStringConvertible {
    public let address: String
    public let setting: String
    public let errno: Int32

    public init(address: String, setting: String, errno: Int32) {
        self.address = address
        self.setting = setting
        self.errno = errno
    }

    public var description: String {
        let port = address.split(separator: ":").last.map(String.init) ?? ""
        let cause: String
        switch errno {
        case EADDRINUSE:
            cause = "the address is already in use: another program (or another panda) listens there "
                + "(`ss -ltnp 'sport = :\(port)'` shows which); stop it or give \(setting) another port"
        case EACCES:
            cause = "permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE; give \(setting) a port above 1023"
        case EADDRNOTAVAIL:
            cause = "this machine has no such address; give \(setting) one of its own addresses (or 0.0.0.0)"
        default:
            cause = String(cString: strerror(errno)) + " (errno \(errno))"
        }
        return "cannot listen on \(address) (\(setting)): \(cause)"
    }
}
