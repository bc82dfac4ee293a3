import Foundation
import Testing
import TestSupport
@testable import PandaConfig

/// Every file in Fixtures/broken (and every folder there with a panda.yaml)
/// is a broken configuration whose `# expect:` lines are the exact errors
/// `panda config check` must print, in order. `{dir}` stands for the
/// fixture folder.
@Suite("broken configurations")
struct BrokenConfigurationCorpusTests {
    static let directory = Repository.fixtures.appendingPathComponent("broken")

    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap { name in
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path, isDirectory: &isDirectory)
            if isDirectory.boolValue { return name + "/panda.yaml" }
            return name.hasSuffix(".yaml") ? name : nil
        }
    }

    @Test("the corpus is not empty")
    func corpusExists() {
        #expect(Self.cases.count >= 20)
    }

    @Test("each broken configuration gives exactly its expected errors", arguments: cases)
    func expectedErrors(name: String) throws {
        let path = Self.directory.appendingPathComponent(name).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let expected = text.split(separator: "\n")
            .filter { $0.hasPrefix("# expect: ") }
            .map { $0.dropFirst("# expect: ".count).replacingOccurrences(of: "{dir}", with: Self.directory.path) }
        #expect(!expected.isEmpty, "\(name) has no # expect: lines")
        #expect(problems(loading: path) == expected)
    }
}
