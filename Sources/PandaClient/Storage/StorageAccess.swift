import Dispatch
import Foundation
import PandaCore

/// Copies files between this node and storage endpoints, by URL scheme:
/// local paths and `file://` by copy (or symlink), `http(s)://` and WebDAV
/// through libcurl. Every copy reports the size and checksums of the bytes
/// that actually moved, computed while they moved.
///
/// ```swift
/// let storage = StorageAccess(settings: HTTPSettings(timeout: .minutes(30)))
/// let digest = try await storage.get("https://se.example/d/f.root", to: "/work/f.root", md5: false)
/// ```
public final class StorageAccess: Sendable {
    let http: HTTPStorage
    private static let queue = DispatchQueue(label: "panda.storage", attributes: .concurrent)

    public init(settings: HTTPSettings) {
        http = HTTPStorage(settings: settings)
    }

    /// Fetches `url` into the local file `path`.
    public func get(_ url: String, to path: String, md5: Bool) async throws(StorageError) -> FileSummary {
        let location = try Self.location(url)
        return try await blocking { cancel throws(StorageError) in
            switch location {
            case .local(let source): return try LocalStorage.copy(source, to: path, md5: md5)
            case .http(let url): return try self.http.get(url, to: path, md5: md5, cancel: cancel)
            }
        }
    }

    /// Links `path` to a local replica instead of copying it (shared file
    /// systems); only the size is checked, as reading it would defeat the point.
    public func link(_ url: String, to path: String) throws(StorageError) -> Int64 {
        guard case .local(let source) = try Self.location(url) else {
            throw StorageError(.local, "\(url) is not a local path, so it cannot be symlinked")
        }
        return try LocalStorage.link(source, to: path)
    }

    /// Stores the local file `path` at `url`, creating parent collections.
    public func put(_ path: String, to url: String) async throws(StorageError) -> FileSummary {
        let location = try Self.location(url)
        return try await blocking { cancel throws(StorageError) in
            switch location {
            case .local(let destination): return try LocalStorage.copy(path, to: destination, md5: false, makeParents: true)
            case .http(let url): return try self.http.put(path, to: url, cancel: cancel)
            }
        }
    }

    /// The size of the file at `url` as the storage reports it.
    public func size(of url: String) async throws(StorageError) -> Int64 {
        let location = try Self.location(url)
        return try await blocking { cancel throws(StorageError) in
            switch location {
            case .local(let path): return try LocalStorage.size(of: path)
            case .http(let url): return try self.http.size(of: url, cancel: cancel)
            }
        }
    }

    /// Removes the file at `url`: unlink for a local path, DELETE over
    /// HTTP/WebDAV. A file that is already gone counts as removed.
    public func remove(_ url: String) async throws(StorageError) {
        let location = try Self.location(url)
        try await blocking { cancel throws(StorageError) in
            switch location {
            case .local(let path):
                guard unlink(path) == 0 || errno == ENOENT else {
                    throw StorageError(.local, "cannot remove \(path): \(String(cString: strerror(errno)))")
                }
            case .http(let url): try self.http.delete(url, cancel: cancel)
            }
        }
    }

    static func location(_ url: String) throws(StorageError) -> StorageLocation {
        guard let location = StorageLocation(url) else {
            throw StorageError(.local, "\(url) is neither a local path nor an http(s)/dav(s) URL")
        }
        return location
    }

    /// Runs a blocking transfer off Swift's cooperative threads. Cancelling
    /// the awaiting task aborts an HTTP transfer within about a second.
    private func blocking<T: Sendable>(_ body: @escaping @Sendable (TransferCancel) throws(StorageError) -> T) async throws(StorageError) -> T {
        let cancel = TransferCancel()
        let result: Result<T, StorageError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                Self.queue.async { continuation.resume(returning: Result { () throws(StorageError) in try body(cancel) }) }
            }
        } onCancel: {
            cancel.cancel()
        }
        return try result.get()
    }
}
