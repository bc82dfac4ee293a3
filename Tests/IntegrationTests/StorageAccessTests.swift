import Foundation
import PandaClient
import PandaCore
import Testing

/// The copy tools on their own, against local files and a real nginx.
@Suite("storage access by URL scheme")
struct StorageAccessTests {
    @Test("URLs and paths map to copy tools; anything else is refused")
    func locations() {
        #expect(StorageLocation("/data/f") == .local("/data/f"))
        #expect(StorageLocation("file:///data/my%20f") == .local("/data/my f"))
        #expect(StorageLocation("davs://se.example:443/a/f") == .http("https://se.example:443/a/f"))
        #expect(StorageLocation("http://se/a") == .http("http://se/a"))
        #expect(StorageLocation("root://eos/a") == nil)
        #expect(StorageLocation("file://relative") == nil)
        #expect(StorageLocation.url(under: "https://se/base/", "scope", "f") == "https://se/base/scope/f")
    }

    @Test("PUT creates missing collections, HEAD reads the size back, GET returns the bytes with their checksums")
    func webdav() async throws {
        let se = try StorageElement()
        try se.start()
        defer { se.cleanUp() }
        let storage = StorageAccess(settings: HTTPSettings(timeout: .seconds(20)))
        let local = se.directory + "/tmp/source"
        let bytes = Data((0..<2_000_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        try bytes.write(to: URL(fileURLWithPath: local))
        let sent = try await storage.put(local, to: se.url + "/deep/er/file.bin")
        #expect(sent.size == Int64(bytes.count))
        #expect(try await storage.size(of: se.url + "/deep/er/file.bin") == Int64(bytes.count))
        let back = se.directory + "/tmp/back"
        let got = try await storage.get(se.url + "/deep/er/file.bin", to: back, md5: true)
        #expect(got.adler32 == sent.adler32)
        #expect(got.md5 != nil)
        #expect(FileManager.default.contents(atPath: back) == bytes)
        await #expect(throws: StorageError.self) { try await storage.get(se.url + "/nope", to: back, md5: false) }
        do {
            _ = try await storage.get(se.url + "/nope", to: back, md5: false)
        } catch {
            #expect(error.kind == .notFound)
        }
    }
}
