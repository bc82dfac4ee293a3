import PandaCore

/// How clients talk HTTP(S): timeouts and TLS material.
///
/// ```swift
/// let settings = HTTPSettings(timeout: .seconds(30), caDirectory: "/etc/grid-security/certificates")
/// ```
public struct HTTPSettings: Sendable, Equatable {
    public var connectTimeout: TimeSpan
    /// The longest one request may take, transfer included.
    public var timeout: TimeSpan
    /// A CA bundle file; unset means the system's.
    public var caFile: String?
    /// A directory of hashed CA certificates; unset means the system's.
    public var caDirectory: String?
    /// A client certificate and key (PEM) for servers or storage that want one.
    public var clientCertificate: String?
    public var clientKey: String?

    public init(connectTimeout: TimeSpan = .seconds(10), timeout: TimeSpan = .seconds(60), caFile: String? = nil,
                caDirectory: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil) {
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.caFile = caFile
        self.caDirectory = caDirectory
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
    }
}
