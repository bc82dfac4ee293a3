import Foundation
import PandaCore

/// Copy tools for local paths: copy with checksums, or symlink.
enum LocalStorage {
    static func copy(_ source: String, to destination: String, md5: Bool, makeParents: Bool = false) throws(StorageError) -> FileSummary {
        if makeParents {
            let parent = (destination as NSString).deletingLastPathComponent
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw StorageError(.local, "cannot create \(parent): \(error.localizedDescription)")
            }
        }
        let input = try LocalFile.openForReading(source)
        defer { input.close() }
        // Written beside the destination and renamed, so a reader never sees
        // half a file; the suffix is unique, so concurrent writers never mix.
        let partial = destination + ".part-" + RandomHex.make(bits: 48)
        let output = try LocalFile.create(partial)
        var digest = FileDigest(md5: md5)
        do {
            try input.readAll { (chunk) throws(StorageError) in
                try output.write(chunk)
                digest.update(chunk)
            }
            try output.sync()
            output.close()
        } catch {
            output.close()
            unlink(partial)
            throw error
        }
        guard rename(partial, destination) == 0 else {
            unlink(partial)
            throw StorageError(.local, "cannot rename \(partial) to \(destination): \(String(cString: strerror(errno)))")
        }
        return digest.summary
    }

    static func link(_ source: String, to destination: String) throws(StorageError) -> Int64 {
        let size = try size(of: source)
        guard symlink(source, destination) == 0 else {
            throw StorageError(.local, "cannot link \(destination) to \(source): \(String(cString: strerror(errno)))")
        }
        return size
    }

    static func size(of path: String) throws(StorageError) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            throw StorageError(code == ENOENT ? .notFound : .local, "cannot stat \(path): \(String(cString: strerror(code)))")
        }
        return Int64(info.st_size)
    }
}
