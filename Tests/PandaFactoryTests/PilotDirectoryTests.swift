import Foundation
@testable import PandaFactory
import PandaSystem
import Testing
import TestSupport

/// A forgotten pilot's spool directory goes, whoever owns what is in it,
/// and nothing a link points at goes with it.
@Suite("pilot spool directories")
struct PilotDirectoryTests {
    @Test("a pilot's directory is removed with what it left, links removed and never followed")
    func removesWithoutFollowingLinks() throws {
        let root = NSTemporaryDirectory() + "panda-spool-\(UUID().uuidString.prefix(8))"
        let pilot = root + "/pilots/Q/panda-Q-1", outside = root + "/outside"
        try FileManager.default.createDirectory(atPath: pilot + "/job-1/work", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside + "/kept", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        for file in [pilot + "/pilot.out", pilot + "/job-1/work/payload.stdout", outside + "/kept/file"] {
            #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        }
        // What a payload could leave: links to a directory and a file elsewhere.
        #expect(symlink(outside, pilot + "/job-1/to-dir") == 0)
        #expect(symlink(outside + "/kept/file", pilot + "/to-file") == 0)
        if SystemUser.isRoot {
            // As a batch.user pilot leaves it: owned by another user, 0700.
            let user = try SystemUser.ensure("panda-test-pilot")
            for path in [pilot, pilot + "/job-1", pilot + "/job-1/work", pilot + "/job-1/work/payload.stdout"] {
                #expect(chown(path, user.uid, user.gid) == 0)
                #expect(chmod(path, 0o700) == 0)
            }
        }
        PilotDirectory.remove(pilot)
        #expect(!FileManager.default.fileExists(atPath: pilot))
        #expect(FileManager.default.fileExists(atPath: root + "/pilots/Q"), "only the pilot's own directory goes")
        #expect(SmallFile.text(outside + "/kept/file") == "x")
        var info = stat()
        #expect(stat(outside + "/kept", &info) == 0 && info.st_uid == geteuid(), "a linked directory is not taken over")
    }
}
