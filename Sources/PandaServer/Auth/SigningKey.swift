import Crypto
import Foundation

/// The server's token signing key: 32 random bytes in a file only its owner
/// can read, made at the server's first start (or by `panda token init`).
///
/// ```swift
/// let key = try SigningKey.load(at: path)          // minting and checking: never creates one
/// let key = try SigningKey.loadOrCreate(at: path)  // the server's start
/// ```
public enum SigningKey {
    public static func loadOrCreate(at path: String) throws -> SymmetricKey {
        if FileManager.default.fileExists(atPath: path) { return try load(at: path) }
        do {
            return try create(at: path)
        } catch SigningKeyError.exists {
            return try load(at: path)  // made a moment ago by another process starting
        }
    }

    /// The existing key. Minting or checking a token never makes one: a new
    /// key there would sign tokens the running server rejects (a wrong state
    /// directory or configuration), so a missing key is an error that says so.
    public static func load(at path: String) throws -> SymmetricKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                throw SigningKeyError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            throw SigningKeyError.missing(path: path)
        }
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & 0o077 != 0 {
            throw SigningKeyError.tooOpen(path: path, mode: status.st_mode & 0o777)
        }
        guard data.count >= 32 else { throw SigningKeyError.tooShort(path: path, bytes: data.count) }
        return SymmetricKey(data: data)
    }

    /// A new key at `path`; refuses to replace one (`exists`), since every
    /// token signed with the old key would stop working.
    public static func create(at path: String) throws -> SymmetricKey {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            // Private like the key: the server's state directory holds it and the database.
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        // Created with 0600 from the start, never briefly readable by others.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor < 0, errno == EEXIST { throw SigningKeyError.exists(path: path) }
        guard descriptor >= 0 else { throw SigningKeyError.cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            throw SigningKeyError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        return key
    }
}

public enum SigningKeyError: Error, CustomStringConvertible {
    case tooOpen(path: String, mode: mode_t)
    case tooShort(path: String, bytes: Int)
    case cannotCreate(path: String, reason: String)
    case missing(path: String)
    case unreadable(path: String, reason: String)
    case exists(path: String)

    public var description: String {
        switch self {
        case .tooOpen(let path, let mode):
            return "signing key \(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it"
        case .tooShort(let path, let bytes): return "signing key \(path) has \(bytes) bytes; at least 32 are needed"
        case .cannotCreate(let path, let reason): return "cannot create signing key \(path): \(reason)"
        case .missing(let path):
            return "no signing key at \(path): the server makes it at its first start, so this is not the server's "
                + "configuration or state directory (check -c and PANDA_STATE), or the server never ran; "
                + "`panda token init` makes a new key for a new installation"
        case .unreadable(let path, let reason): return "cannot read signing key \(path): \(reason) (run as the server's user)"
        case .exists(let path):
            return "signing key \(path) exists already; a new one would invalidate every token it signed"
        }
    }
}
