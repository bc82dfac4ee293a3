import CCurl
import CCurlShim
import Foundation
import PandaCore

/// HTTP(S) and WebDAV transfers through libcurl, blocking, one easy handle
/// per transfer: GET into a file, PUT from a file (MKCOL for missing parent
/// collections), HEAD for the stored size.
struct HTTPStorage: Sendable {
    let settings: HTTPSettings
    /// A transfer slower than this many bytes per second for `stallTime` is
    /// abandoned rather than left to the whole timeout.
    static let stallSpeed = 1024
    static let stallTime = 120

    func get(_ url: String, to path: String, md5: Bool, cancel: TransferCancel? = nil) throws(StorageError) -> FileSummary {
        let output = try LocalFile.create(path)
        defer { output.close() }
        let sink = TransferState(file: output.descriptor, digest: FileDigest(md5: md5))
        let status = try perform(url, method: "GET", sink: sink, cancel: cancel) { handle, context in
            _ = panda_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
            _ = panda_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION) { buffer, size, count, userdata in
                let state = Unmanaged<TransferState>.fromOpaque(userdata!).takeUnretainedValue()
                let bytes = UnsafeRawBufferPointer(start: buffer, count: size * count)
                // Only a 2xx body is the file; an error page is not written or summed.
                guard state.status(of: state.handle) else { return size * count }
                return state.write(bytes) ? size * count : 0
            }
        }
        guard (200..<300).contains(status) else {
            unlink(path)
            throw Self.error(status: status, url: url, method: "GET")
        }
        if let problem = sink.problem { throw problem }
        try output.sync()
        return sink.digest.summary
    }

    func put(_ path: String, to url: String, cancel: TransferCancel? = nil) throws(StorageError) -> FileSummary {
        var (status, digest) = try upload(path, to: url, cancel: cancel)
        if status == 409 {
            // WebDAV answers 409 when the parent collection is missing.
            try makeCollections(above: url, cancel: cancel)
            (status, digest) = try upload(path, to: url, cancel: cancel)
        }
        guard (200..<300).contains(status) else { throw Self.error(status: status, url: url, method: "PUT") }
        return digest
    }

    /// The status, and the digest of the bytes read for sending.
    private func upload(_ path: String, to url: String, cancel: TransferCancel?) throws(StorageError) -> (Int, FileSummary) {
        let input = try LocalFile.openForReading(path)
        defer { input.close() }
        let size = try LocalStorage.size(of: path)
        let source = TransferState(file: input.descriptor, digest: FileDigest(md5: false))
        let status = try perform(url, method: "PUT", sink: source, cancel: cancel) { handle, context in
            _ = panda_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
            _ = panda_curl_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(size))
            _ = panda_curl_setopt_pointer(handle, CURLOPT_READDATA, context)
            _ = panda_curl_setopt_callback(handle, CURLOPT_READFUNCTION) { buffer, size, count, userdata in
                let state = Unmanaged<TransferState>.fromOpaque(userdata!).takeUnretainedValue()
                return state.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
            }
        }
        return (status, source.digest.summary)
    }

    /// MKCOL each collection between the server root and the file, shortest
    /// first; 405 (already exists) is fine.
    private func makeCollections(above url: String, cancel: TransferCancel?) throws(StorageError) {
        guard let parsed = URL(string: url), let host = parsed.host else { return }
        let root = "\(parsed.scheme ?? "https")://\(host)\(parsed.port.map { ":\($0)" } ?? "")"
        var path = ""
        for component in parsed.pathComponents.dropFirst().dropLast() {
            path += "/" + component
            let status = try perform(root + path + "/", method: "MKCOL", sink: nil, cancel: cancel) { _, _ in }
            guard (200..<300).contains(status) || status == 405 else {
                throw Self.error(status: status, url: root + path + "/", method: "MKCOL")
            }
        }
    }

    func size(of url: String, cancel: TransferCancel? = nil) throws(StorageError) -> Int64 {
        var length: curl_off_t = -1
        let status = try perform(url, method: "HEAD", sink: nil, cancel: cancel, inspect: { handle in
            _ = panda_curl_getinfo_off_t(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length)
        }) { handle, _ in
            _ = panda_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
        }
        guard (200..<300).contains(status) else { throw Self.error(status: status, url: url, method: "HEAD") }
        guard length >= 0 else { throw StorageError(.refused(status: status), "HEAD \(url) gave no Content-Length") }
        return Int64(length)
    }

    /// Removes the file at `url` (HTTP/WebDAV DELETE). A file already gone
    /// (404) counts as removed: what was asked for is true.
    func delete(_ url: String, cancel: TransferCancel? = nil) throws(StorageError) {
        let status = try perform(url, method: "DELETE", sink: nil, cancel: cancel) { _, _ in }
        guard (200..<300).contains(status) || status == 404 else { throw Self.error(status: status, url: url, method: "DELETE") }
    }

    /// One request on a fresh handle; returns the HTTP status.
    private func perform(_ url: String, method: String, sink: TransferState?, cancel: TransferCancel?,
                         inspect: (UnsafeMutableRawPointer) -> Void = { _ in },
                         configure: (UnsafeMutableRawPointer, UnsafeMutableRawPointer?) -> Void) throws(StorageError) -> Int {
        guard let handle = curl_easy_init() else { throw StorageError(.local, "libcurl could not make a handle") }
        defer { curl_easy_cleanup(handle) }
        let context = sink.map { Unmanaged.passUnretained($0).toOpaque() }
        sink?.handle = handle
        _ = panda_curl_setopt_string(handle, CURLOPT_URL, url)
        _ = panda_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = panda_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1)
        _ = panda_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(settings.connectTimeout.milliseconds))
        _ = panda_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(settings.timeout.milliseconds))
        _ = panda_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, Self.stallSpeed)
        _ = panda_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, Self.stallTime)
        _ = panda_curl_setopt_string(handle, CURLOPT_USERAGENT, "panda/\(PandaVersion.current)")
        if method != "GET" && method != "PUT" { _ = panda_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method) }
        if let caFile = settings.caFile { _ = panda_curl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
        if let caDirectory = settings.caDirectory { _ = panda_curl_setopt_string(handle, CURLOPT_CAPATH, caDirectory) }
        if let certificate = settings.clientCertificate { _ = panda_curl_setopt_string(handle, CURLOPT_SSLCERT, certificate) }
        if let key = settings.clientKey { _ = panda_curl_setopt_string(handle, CURLOPT_SSLKEY, key) }
        if sink == nil {
            // Discard bodies of requests that have no file behind them.
            _ = panda_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION) { _, size, count, _ in size * count }
        }
        if let cancel {
            // Unretained: `cancel` outlives this call, which its caller holds.
            _ = panda_curl_setopt_progress(handle, { userdata, _, _, _, _ in
                Unmanaged<TransferCancel>.fromOpaque(userdata!).takeUnretainedValue().isCancelled ? 1 : 0
            }, Unmanaged.passUnretained(cancel).toOpaque())
        }
        configure(handle, context)
        let code = curl_easy_perform(handle)
        if code == CURLE_ABORTED_BY_CALLBACK, cancel?.isCancelled == true {
            throw StorageError(.local, "\(method) \(url): cancelled")
        }
        if let problem = sink?.problem { throw problem }
        guard code == CURLE_OK else { throw Self.error(curl: code, url: url, method: method) }
        inspect(handle)
        var status = 0
        _ = panda_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return status
    }

    static func error(status: Int, url: String, method: String) -> StorageError {
        StorageError(status == 404 ? .notFound : .refused(status: status), "\(method) \(url): HTTP \(status)")
    }

    static func error(curl code: CURLcode, url: String, method: String) -> StorageError {
        let text = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_OPERATION_TIMEDOUT: return StorageError(.timedOut, "\(method) \(url): \(text)")
        case CURLE_WRITE_ERROR, CURLE_READ_ERROR, CURLE_ABORTED_BY_CALLBACK: return StorageError(.local, "\(method) \(url): \(text)")
        default: return StorageError(.unreachable, "\(method) \(url): \(text)")
        }
    }
}

/// The state libcurl's callbacks share with a transfer: the local file,
/// the running digest, and the first local error.
final class TransferState {
    let file: Int32
    var digest: FileDigest
    var problem: StorageError?
    var handle: UnsafeMutableRawPointer?

    init(file: Int32, digest: FileDigest) {
        self.file = file
        self.digest = digest
    }

    /// Whether the answer so far is a success, so its body is the file.
    func status(of handle: UnsafeMutableRawPointer?) -> Bool {
        guard let handle else { return false }
        var status = 0
        _ = panda_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return (200..<300).contains(status)
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(file, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                problem = StorageError(.local, "cannot write the downloaded file: \(String(cString: strerror(errno)))")
                return false
            }
            offset += written
        }
        digest.update(bytes)
        return true
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let count = Foundation.read(file, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                problem = StorageError(.local, "cannot read the file to upload: \(String(cString: strerror(errno)))")
                return Int(CURL_READFUNC_ABORT)
            }
            digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            return count
        }
    }
}
