import Foundation
import PandaCore
import Testing

/// `panda dataset add --upload` never writes under a name the catalogue
/// holds unless the bytes are the same: it asks first, and refuses before
/// anything is uploaded.
@Suite("client: uploads never overwrite a registered file", .serialized)
struct ClientUploadTests {
    @Test("uploading other bytes under a registered name is refused and the stored file is untouched; the same bytes are fine",
          arguments: ["DAV", "LOCAL"])
    func uploadOverRegistered(_ storage: String) async throws {
        let (se, site) = try PilotStorageTests.davSite()
        defer {
            site.cleanUp()
            se.cleanUp()
        }
        func stored() -> Data? {
            storage == "DAV" ? se.contents("/store/user.jdoe/a.txt")
                : FileManager.default.contents(atPath: site.storageDirectory + "/user.jdoe/a.txt")
        }
        let jdoe = try ClientUser("jdoe", server: site.server, token: site.user)
        let original = try jdoe.files(["a.txt": "1\n2\n"])
        let added = try jdoe.panda(["dataset", "add", "user.jdoe.raw", "--storage", storage, "--upload"] + original)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(stored() == Data("1\n2\n".utf8))

        try FileManager.default.createDirectory(atPath: jdoe.home + "/other", withIntermediateDirectories: true)
        try "other contents, longer\n".write(toFile: jdoe.home + "/other/a.txt", atomically: true, encoding: .utf8)
        let refused = try jdoe.panda(["dataset", "add", "user.jdoe.raw2", "--storage", storage, "--upload", jdoe.home + "/other/a.txt"])
        #expect(refused.status == 1, "\(refused.stdout)")
        #expect(refused.stderr.contains("user.jdoe:a.txt is already registered with size 4"), "\(refused.stderr)")
        #expect(!refused.stdout.contains("uploaded"), "\(refused.stdout)")
        #expect(stored() == Data("1\n2\n".utf8), "the registered bytes were not overwritten")
        let datasets = try jdoe.json([DatasetSummary].self, ["dataset", "list"])
        #expect(datasets.map(\.name) == ["user.jdoe.raw"], "nothing registered either")

        try "1\n2\n".write(toFile: jdoe.home + "/other/a.txt", atomically: true, encoding: .utf8)
        let same = try jdoe.panda(["dataset", "add", "user.jdoe.raw2", "--storage", storage, "--upload", jdoe.home + "/other/a.txt"])
        #expect(same.status == 0, "the same bytes again: \(same.stderr)")
        #expect(stored() == Data("1\n2\n".utf8))
    }
}
