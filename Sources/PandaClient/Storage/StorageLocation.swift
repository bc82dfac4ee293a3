import Foundation

/// Where a file is, as the copy tools see it: a local path (`/data/f`,
/// `file:///data/f`) or an HTTP(S)/WebDAV URL (`https://`, `davs://`).
///
/// ```swift
/// StorageLocation("davs://se.example/atlas/f.root")   // .http("https://se.example/atlas/f.root")
/// StorageLocation("file:///data/f.root")              // .local("/data/f.root")
/// ```
public enum StorageLocation: Sendable, Equatable {
    case local(String)
    case http(String)

    public init?(_ text: String) {
        if text.hasPrefix("/") {
            self = .local(text)
        } else if text.hasPrefix("file://") {
            let path = String(text.dropFirst("file://".count))
            guard path.hasPrefix("/") else { return nil }
            self = .local(path.removingPercentEncoding ?? path)
        } else if text.hasPrefix("http://") || text.hasPrefix("https://") {
            self = .http(text)
        } else if text.hasPrefix("davs://") {
            self = .http("https://" + text.dropFirst("davs://".count))
        } else if text.hasPrefix("dav://") {
            self = .http("http://" + text.dropFirst("dav://".count))
        } else {
            return nil
        }
    }

    /// The URL of `name` under a storage endpoint's base URL.
    public static func url(under base: String, _ components: String...) -> String {
        var url = base
        for component in components where !component.isEmpty {
            if !url.hasSuffix("/") { url += "/" }
            url += component
        }
        return url
    }
}
