import Foundation

/// The base URL of a panda server (or the monitor's): `https://panda.example.org:25443`.
///
/// ```swift
/// let url = ServiceURL(string: "http://127.0.0.1:25443")
/// url.isSecure   // false
/// ```
public struct ServiceURL: Sendable, Hashable, Codable, CustomStringConvertible {
    public let string: String

    public var isSecure: Bool { string.hasPrefix("https://") }
    public var description: String { string }

    public init(string: String) { self.string = string }

    public init(from decoder: Decoder) throws {
        self.string = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string)
    }
}

extension ServiceURL: ConfigScalar {
    static var expectation: String { "an http:// or https:// URL" }

    static func parse(_ text: String) -> Result<ServiceURL, ValueProblem> {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            return .failure(ValueProblem("expected \(expectation), got '\(text)'"))
        }
        // Clients append /api/v1/...; a trailing slash would double it.
        var normalised = text
        while normalised.hasSuffix("/") { normalised.removeLast() }
        return .success(ServiceURL(string: normalised))
    }
}

/// Where a storage endpoint's files live: `https://se.example.org/atlasdatadisk`
/// (HTTP or WebDAV) or `file:///data/se` (a local or shared file system).
public struct StorageURL: Sendable, Hashable, Codable, CustomStringConvertible {
    public let string: String

    public init(string: String) { self.string = string }

    public var scheme: String { String(string.prefix(while: { $0 != ":" })).lowercased() }
    public var isLocal: Bool { scheme == "file" }
    public var description: String { string }

    public init(from decoder: Decoder) throws {
        self.string = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string)
    }
}

extension StorageURL: ConfigScalar {
    static var expectation: String { "a file://, http:// or https:// URL" }

    static func parse(_ text: String) -> Result<StorageURL, ValueProblem> {
        // A bare absolute path is the same as file://PATH.
        if text.hasPrefix("/") { return .success(StorageURL(string: "file://" + text)) }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            return .failure(ValueProblem("expected \(expectation), got '\(text)'"))
        }
        switch scheme {
        case "file":
            guard url.path.hasPrefix("/") else { return .failure(ValueProblem("file URL '\(text)' needs an absolute path: file:///PATH")) }
        case "http", "https":
            guard let host = url.host, !host.isEmpty else { return .failure(ValueProblem("URL '\(text)' has no host")) }
        default:
            return .failure(ValueProblem("storage scheme '\(scheme)' is not supported; use file://, http:// or https:// (WebDAV is https://)"))
        }
        var normalised = text
        while normalised.hasSuffix("/") && !normalised.hasSuffix("://") { normalised.removeLast() }
        return .success(StorageURL(string: normalised))
    }
}
