import Foundation

/// One walk of a directory tree: total size of its files and the newest
/// modification time, without following symlinks (staged-in links to shared
/// storage are not the job's disk use).
struct DirectoryScan {
    private(set) var totalBytes: Int64 = 0
    private(set) var newestModification: Date?

    init(_ root: String) {
        walk(root)
    }

    private mutating func walk(_ path: String) {
        guard let directory = opendir(path) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            var info = stat()
            guard lstat(child, &info) == 0 else { continue }
            let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
            if newestModification.map({ modified > $0 }) ?? true { newestModification = modified }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: walk(child)
            case S_IFREG: totalBytes += Int64(info.st_blocks) * 512
            default: break
            }
        }
    }
}
