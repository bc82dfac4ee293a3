import Crypto
import Foundation

/// The server's token signing key: 32 random bytes in a file only its owner
/// can read, made the first time it is needed.
public enum SigningKey {
    public static func loadOrCreate(at path: String) throws -> SymmetricKey {
        if let data = FileManager.default.contents(atPath: path) {
            var status = stat()
            if stat(path, &status) == 0, status.st_mode & 0o077 != 0 {
                throw SigningKeyError.tooOpen(path: path, mode: status.st_mode & 0o777)
            }
            guard data.count >= 32 else { throw SigningKeyError.tooShort(path: path, bytes: data.count) }
            return SymmetricKey(data: data)
        }
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

    public var description: String {
        switch self {
        case .tooOpen(let path, let mode):
            return "signing key \(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it"
        case .tooShort(let path, let bytes): return "signing key \(path) has \(bytes) bytes; at least 32 are needed"
        case .cannotCreate(let path, let reason): return "cannot create signing key \(path): \(reason)"
        }
    }
}
