import Foundation
import PandaCore

/// The base URL of a panda server (or the monitor's): `https://panda.example.org:25443`.
///
/// ```swift
/// let url = try ServiceURL(parsing: "http://127.0.0.1:25443/")
/// url.string     // "http://127.0.0.1:25443"
/// ```
public struct ServiceURL: Sendable, Hashable, TextCodable {
    public let string: String

    public var isSecure: Bool { string.hasPrefix("https://") }
    public var description: String { string }

    public init(string: String) { self.string = string }

    public init(parsing text: String) throws(ValueParseError) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            throw ValueParseError("expected \(Self.expectation), got '\(text)'")
        }
        // Clients append /api/v1/...; a trailing slash would double it.
        self.init(string: text.trimmingTrailingSlashes())
    }
}

extension ServiceURL: ConfigScalar {
    static var expectation: String { "an http:// or https:// URL" }
}

/// Where a storage endpoint's files live: `https://se.example.org/atlasdatadisk`
/// (HTTP or WebDAV) or `file:///data/se` (a local or shared file system).
public struct StorageURL: Sendable, Hashable, TextCodable {
    public let string: String

    public init(string: String) { self.string = string }

    public var scheme: String { String(string.prefix(while: { $0 != ":" })).lowercased() }
    public var isLocal: Bool { scheme == "file" }
    public var description: String { string }

    public init(parsing text: String) throws(ValueParseError) {
        // A bare absolute path is the same as file://PATH.
        if text.hasPrefix("/") {
            self.init(string: "file://" + text.trimmingTrailingSlashes())
            return
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw ValueParseError("expected \(Self.expectation), got '\(text)'")
        }
        switch scheme {
        case "file":
            guard url.path.hasPrefix("/") else { throw ValueParseError("file URL '\(text)' needs an absolute path: file:///PATH") }
        case "http", "https":
            guard let host = url.host, !host.isEmpty else { throw ValueParseError("URL '\(text)' has no host") }
        default:
            throw ValueParseError("storage scheme '\(scheme)' is not supported; use file://, http:// or https:// (WebDAV is https://)")
        }
        self.init(string: text.trimmingTrailingSlashes())
    }
}

extension StorageURL: ConfigScalar {
    static var expectation: String { "a file://, http:// or https:// URL" }
}

extension String {
    /// `https://se/x/` → `https://se/x`, leaving `file:///` whole.
    func trimmingTrailingSlashes() -> String {
        var text = self
        while text.hasSuffix("/") && !text.hasSuffix("://") && text != "/" { text.removeLast() }
        return text
    }
}
