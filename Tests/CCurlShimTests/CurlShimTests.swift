import CCurlShim
import Foundation
import Testing

/// The shim is how every libcurl option reaches C; a wrong argument type
/// there would corrupt transfers silently, so drive a real transfer through it.
@Suite("libcurl shim")
struct CurlShimTests {
    final class Sink {
        var bytes: [UInt8] = []
    }

    @Test("a file:// transfer through the typed setopt functions returns the file's bytes")
    func fileTransfer() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("panda-curl-\(getpid()).txt").path
        try "stage-in works\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }

        let handle = try #require(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        let sink = Sink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        #expect(panda_curl_setopt_string(handle, CURLOPT_URL, "file://" + path) == CURLE_OK)
        #expect(panda_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1) == CURLE_OK)
        #expect(panda_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context) == CURLE_OK)
        #expect(panda_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION) { buffer, size, count, userdata in
            let sink = Unmanaged<Sink>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
            return length
        } == CURLE_OK)
        #expect(curl_easy_perform(handle) == CURLE_OK)
        #expect(String(decoding: sink.bytes, as: UTF8.self) == "stage-in works\n")

        var downloaded: curl_off_t = 0
        #expect(panda_curl_getinfo_off_t(handle, CURLINFO_SIZE_DOWNLOAD_T, &downloaded) == CURLE_OK)
        #expect(downloaded == 15)
    }

    @Test("a missing file is reported as curl's file error, not as success")
    func missingFile() throws {
        let handle = try #require(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        #expect(panda_curl_setopt_string(handle, CURLOPT_URL, "file:///nonexistent/panda/file") == CURLE_OK)
        #expect(curl_easy_perform(handle) == CURLE_FILE_COULDNT_READ_FILE)
    }
}
