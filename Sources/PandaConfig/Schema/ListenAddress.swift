/// Where a role listens: `127.0.0.1:25443`, `[::1]:25443`, `0.0.0.0:25443`.
///
/// ```swift
/// let address = ListenAddress(host: "127.0.0.1", port: 25443)
/// address.isLoopback   // true
/// ```
public struct ListenAddress: Sendable, Hashable, Codable, CustomStringConvertible {
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

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        switch Self.parse(text) {
        case .success(let value): self = value
        case .failure(let problem):
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem.message))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension ListenAddress: ConfigScalar {
    static var expectation: String { "HOST:PORT, such as 127.0.0.1:25443 or [::1]:25443" }

    static func parse(_ text: String) -> Result<ListenAddress, ValueProblem> {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return .failure(ValueProblem("expected [IPV6]:PORT, got '\(text)'"))
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(ValueProblem("expected \(expectation), got '\(text)' (no port)"))
            }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { return .failure(ValueProblem("expected \(expectation), got '\(text)' (no host)")) }
        guard let number = Int(port), (1...65535).contains(number) else {
            return .failure(ValueProblem("port '\(port)' in '\(text)' is not a number from 1 to 65535"))
        }
        return .success(ListenAddress(host: String(host), port: number))
    }
}
