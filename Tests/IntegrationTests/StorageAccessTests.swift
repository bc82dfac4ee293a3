import Foundation
import PandaClient
import PandaCore
import Testing

/// The copy tools on their own, against local files and a real nginx.
@Suite("storage access by URL scheme")
struct StorageAccessTests {
    @Test("URLs and paths map to copy tools; anything else is refused")
    func locations() throws {
        #expect(StorageLocation("/data/f") == .local("/data/f"))
        #expect(StorageLocation("file:///data/my%20f") == .local("/data/my f"))
        #expect(StorageLocation("davs://se.example:443/a/f") == .http("https://se.example:443/a/f"))
        #expect(StorageLocation("http://se/a") == .http("http://se/a"))
        #expect(StorageLocation("root://eos/a") == nil)
        #expect(StorageLocation("file://relative") == nil)
        #expect(try StorageLocation.url(under: "https://se/base/", "scope", "f") == "https://se/base/scope/f")
        #expect(throws: StorageError.self) { try StorageLocation.url(under: "https://se/base", "../..", "f") }
        #expect(throws: StorageError.self) { try StorageLocation.url(under: "file:///srv/se", "%2e%2e", "f") }
    }

    @Test("remove DELETEs over WebDAV and unlinks a local file; a file already gone counts as removed; a refusal is an error")
    func remove() async throws {
        let se = try StorageElement()
        try se.start()
        defer { se.cleanUp() }
        let storage = StorageAccess(settings: HTTPSettings(timeout: .seconds(20)))
        try se.place("/user.alice/job.log.tgz", Data("tarball".utf8))
        #expect(se.contents("/user.alice/job.log.tgz") != nil)
        try await storage.remove(se.url + "/user.alice/job.log.tgz")
        #expect(se.contents("/user.alice/job.log.tgz") == nil)
        try await storage.remove(se.url + "/user.alice/job.log.tgz")

        let local = se.directory + "/tmp/local.log.tgz"
        #expect(FileManager.default.createFile(atPath: local, contents: Data("tarball".utf8)))
        try await storage.remove("file://" + local)
        #expect(!FileManager.default.fileExists(atPath: local))
        try await storage.remove(local)

        // A collection is not a file: nginx refuses to DELETE it without its slash (409).
        try se.place("/user.alice/kept/file", Data("x".utf8))
        await #expect(throws: StorageError.self) { try await storage.remove(se.url + "/user.alice/kept") }
        #expect(se.contents("/user.alice/kept/file") != nil)
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

    @Test("HTTPS storage is verified against a CA directory; without the CA the transfer fails as unreachable")
    func tlsVerification() async throws {
        let directory = NSTemporaryDirectory() + "panda-ca-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/certificates", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ca = directory + "/certificates/test-ca.pem"
        for step in [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=panda test CA", "-keyout", directory + "/ca.key", "-out", ca],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", directory + "/se.key", "-out", directory + "/se.csr"],
            ["x509", "-req", "-in", directory + "/se.csr", "-CA", ca, "-CAkey", directory + "/ca.key", "-CAcreateserial", "-days", "1",
             "-extfile", "/dev/stdin", "-out", directory + "/se.pem"],
        ] {
            let result: PandaProcess.Result
            if step[0] == "x509" {
                try "subjectAltName=IP:127.0.0.1\n".write(toFile: directory + "/san.ext", atomically: true, encoding: .utf8)
                result = try PandaProcess.runTool("/usr/bin/openssl", step.map { $0 == "/dev/stdin" ? directory + "/san.ext" : $0 })
            } else {
                result = try PandaProcess.runTool("/usr/bin/openssl", step)
            }
            #expect(result.status == 0, "\(result.stderr)")
        }
        // A CA directory as on grid nodes: certificates under their subject hash.
        let rehash = try PandaProcess.runTool("/usr/bin/openssl", ["rehash", directory + "/certificates"])
        #expect(rehash.status == 0, "\(rehash.stderr)")

        let se = try StorageElement(tls: (directory + "/se.pem", directory + "/se.key"))
        try se.start()
        defer { se.cleanUp() }
        try se.put("/tls/file.dat", Data("over TLS\n".utf8))
        let verified = StorageAccess(settings: HTTPSettings(timeout: .seconds(20), caDirectory: directory + "/certificates"))
        let got = try await verified.get(se.url + "/tls/file.dat", to: directory + "/got", md5: false)
        #expect(got.size == 9)
        let unverified = StorageAccess(settings: HTTPSettings(timeout: .seconds(20), caDirectory: "/nonexistent"))
        do {
            _ = try await unverified.get(se.url + "/tls/file.dat", to: directory + "/got2", md5: false)
            Issue.record("a certificate from an unknown CA was accepted")
        } catch {
            #expect(error.kind == .unreachable, "\(error)")
        }
    }
}
