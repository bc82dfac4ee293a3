import PandaCore

/// Where a role listens: `127.0.0.1:25443`, `[::1]:25443`, `0.0.0.0:25443`.
///
/// ```swift
/// let address = try ListenAddress(parsing: "127.0.0.1:25443")
/// address.isLoopback   // true
/// ```
public struct ListenAddress: Sendable, Hashable, TextCodable {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Loopback only: nothing outside this machine can connect, which is why
    /// TLS may be left off.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public init(parsing text: String) throws(ValueParseError) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ValueParseError("expected [IPV6]:PORT, got '\(text)'")
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ValueParseError("expected \(Self.expectation), got '\(text)' (no port)")
            }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ValueParseError("expected \(Self.expectation), got '\(text)' (no host)") }
        guard let number = Int(port), (1...65535).contains(number) else {
            throw ValueParseError("port '\(port)' in '\(text)' is not a number from 1 to 65535")
        }
        self.init(host: String(host), port: number)
    }
}

extension ListenAddress: ConfigScalar {
    static var expectation: String { "HOST:PORT, such as 127.0.0.1:25443 or [::1]:25443" }
}
