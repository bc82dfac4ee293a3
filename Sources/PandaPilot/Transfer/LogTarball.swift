import CZlib
import Foundation
import PandaCore

/// Writes a job's log tarball: a gzip-compressed POSIX ustar archive of the
/// payload's stdout and stderr and the pilot's log for the job, made in
/// process (no tar to fork, one pass over each file).
///
/// ```swift
/// try LogTarball.write(to: "job.log.tgz", folder: "job-7.1", files: ["/w/payload.stdout", "/w/pilot.log"])
/// ```
enum LogTarball {
    static func write(to path: String, folder: String, files: [String]) throws(JobFailure) {
        guard let archive = gzopen(path, "wb6") else {
            throw JobFailure(ErrorCode.generalError, "cannot create the log tarball \(path)")
        }
        var closed = false
        defer { if !closed { gzclose(archive) } }
        let now = Int(Date().timeIntervalSince1970)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        for file in files {
            // Streamed in chunks: a payload's stdout may be gigabytes.
            // Not through a symlink, and only a regular file: a payload running
            // as another user must not make the pilot pack what it may not read.
            let descriptor = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            var info = stat()
            guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            let size = Int(info.st_size)
            try put(header(name: folder + "/" + (file as NSString).lastPathComponent, size: size, modified: now), into: archive)
            var remaining = size
            while remaining > 0 {
                let count = read(descriptor, buffer.baseAddress, min(buffer.count, remaining))
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                try put(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), into: archive)
                remaining -= count
            }
            // A file that shrank while being read is padded to its recorded size.
            try put([UInt8](repeating: 0, count: remaining + (512 - size % 512) % 512), into: archive)
        }
        // Two empty blocks end a tar archive.
        try put([UInt8](repeating: 0, count: 1024), into: archive)
        closed = true
        guard gzclose(archive) == Z_OK else { throw JobFailure(ErrorCode.generalError, "cannot finish the log tarball \(path)") }
    }

    private static func put(_ bytes: [UInt8], into archive: gzFile) throws(JobFailure) {
        let written = bytes.withUnsafeBytes { raw in raw.isEmpty ? 0 : gzwrite(archive, raw.baseAddress, UInt32(raw.count)) }
        guard written == Int32(bytes.count) else { throw JobFailure(ErrorCode.generalError, "cannot write the log tarball") }
    }

    private static func put(_ bytes: UnsafeRawBufferPointer, into archive: gzFile) throws(JobFailure) {
        guard !bytes.isEmpty else { return }
        guard gzwrite(archive, bytes.baseAddress, UInt32(bytes.count)) == Int32(bytes.count) else {
            throw JobFailure(ErrorCode.generalError, "cannot write the log tarball")
        }
    }

    /// A 512-byte ustar header for a regular file.
    static func header(name: String, size: Int, modified: Int) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func field(_ offset: Int, _ length: Int, _ text: String) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { block[offset + index] = byte }
        }
        func octal(_ offset: Int, _ length: Int, _ value: Int) {
            let digits = String(value, radix: 8)
            field(offset, length - 1, String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits)
        }
        field(0, 100, name)
        octal(100, 8, 0o644)
        octal(108, 8, 0)
        octal(116, 8, 0)
        octal(124, 12, size)
        octal(136, 12, modified)
        field(148, 8, "        ")   // the checksum is computed with its own field as spaces
        block[156] = UInt8(ascii: "0")
        field(257, 6, "ustar")
        field(263, 2, "00")
        let checksum = block.reduce(0) { $0 + Int($1) }
        let digits = String(checksum, radix: 8)
        field(148, 7, String(repeating: "0", count: max(0, 6 - digits.count)) + digits + "\0")
        return block
    }
}
