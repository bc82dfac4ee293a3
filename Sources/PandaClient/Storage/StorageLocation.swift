import Foundation
import PandaCore

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

    /// The URL of `BASE/SCOPE/LFN` (any components) under a storage
    /// endpoint's base URL. Refuses a component that is not a plain name and
    /// any result that does not lie under the base, so a hostile scope or
    /// file name cannot make anyone store outside the endpoint.
    public static func url(under base: String, _ components: String...) throws(StorageError) -> String {
        var url = base
        for component in components where !component.isEmpty {
            if let problem = PathName.problem(component, as: .file, at: "path component") {
                throw StorageError(.local, "refusing to store under \(base): \(problem)")
            }
            if !url.hasSuffix("/") { url += "/" }
            url += component
        }
        guard StoragePath.isUnder(url, base: base) else {
            throw StorageError(.local, "refusing \(url): it is not under the storage endpoint's base \(base)")
        }
        return url
    }

    /// The replicas that lie under their endpoint's base in `bases`, and why
    /// each other one is refused; all of them when `bases` is nil.
    public static func placed(_ replicas: [Replica], bases: [String: String]?) -> (placed: [Replica], refused: [String]) {
        guard let bases else { return (replicas, []) }
        var placed: [Replica] = []
        var refused: [String] = []
        for replica in replicas {
            if let base = bases[replica.storage], StoragePath.isUnder(replica.url, base: base) {
                placed.append(replica)
            } else {
                refused.append("refusing replica \(replica.url): it is not under the base of \(replica.storage), which this queue reads")
            }
        }
        return (placed, refused)
    }

    /// Refuses a URL that does not lie under the base of the endpoint it is
    /// said to be at: what a pilot checks before it reads or writes a replica.
    public static func requireUnder(_ url: String, base: String) throws(StorageError) {
        guard StoragePath.isUnder(url, base: base) else {
            throw StorageError(.local, "refusing \(url): it is not under the storage endpoint's base \(base)")
        }
    }
}
