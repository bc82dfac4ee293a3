import Foundation

/// Reads a small file — /proc and /sys entries, manifests, tokens — with
/// plain POSIX reads. Foundation's file reading was seen (heaptrack, Swift
/// 6.3 on Linux) to leak a 4 KiB buffer per call on files that report size
/// 0, as every /proc file does, and the memory watch reads hundreds of them
/// per tick. Shared by the pilot and the factory.
public enum SmallFile {
    public static func read(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    public static func text(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }
}
