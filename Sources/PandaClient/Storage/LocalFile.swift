#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor with the few operations transfers need, and errors
/// that name the path and the reason.
struct LocalFile: ~Copyable {
    let descriptor: Int32
    let path: String
    static let chunk = 1 << 20

    static func openForReading(_ path: String) throws(StorageError) -> LocalFile {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw StorageError(code == ENOENT ? .notFound : .local, "cannot read \(path): \(String(cString: strerror(code)))")
        }
        return LocalFile(descriptor: descriptor, path: path)
    }

    static func create(_ path: String) throws(StorageError) -> LocalFile {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw StorageError(.local, "cannot write \(path): \(String(cString: strerror(errno)))") }
        return LocalFile(descriptor: descriptor, path: path)
    }

    func close() { _ = Glibc.close(descriptor) }

    /// Reads to the end, handing each chunk to `body`.
    func readAll(_ body: (UnsafeRawBufferPointer) throws(StorageError) -> Void) throws(StorageError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, Self.chunk)
            if count < 0 {
                if errno == EINTR { continue }
                throw StorageError(.local, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// Writes all of `bytes`, or throws.
    func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw StorageError(.local, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Flushes to disk, so a copy reported done survives a crash of the node.
    func sync() throws(StorageError) {
        guard fsync(descriptor) == 0 else { throw StorageError(.local, "cannot sync \(path): \(String(cString: strerror(errno)))") }
    }
}
