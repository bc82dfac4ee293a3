import Foundation
import Testing
import TestSupport
@testable import PandaConfig

/// What we ship and document must be what panda accepts.
@Suite("shipped examples")
struct ShippedExamplesTests {
    @Test("etc/panda/panda.yaml with its queues.d passes config check")
    func example() throws {
        #expect(problems(loading: Repository.path("etc/panda/panda.yaml")) == [])
        let loaded = try load(Repository.path("etc/panda/panda.yaml"))
        let systems = Set(loaded.configuration.queues.compactMap(\.batch?.system))
        #expect(systems == [.local, .slurm, .condor, .pbs], "the examples show every batch system")
    }

    @Test("pilot.workdir is where the batch system starts the pilot, not a path next to the configuration file")
    func pilotWorkdir() throws {
        // The shipped file says `workdir: .`; read next to the file it was /etc/panda/., which pilots cannot write.
        #expect(try load(Repository.path("etc/panda/panda.yaml")).configuration.pilot.workdir == ".")
        let scratch = try ScratchDirectory(["panda.yaml": "pilot: { workdir: scratch/jobs }\n"])
        defer { scratch.cleanUp() }
        #expect(try load(scratch.path("panda.yaml")).configuration.pilot.workdir == "scratch/jobs")
    }

    /// The ```yaml blocks of docs/configuration.md, in order.
    static var documentedBlocks: [String] {
        guard let text = try? String(contentsOfFile: Repository.path("docs/configuration.md"), encoding: .utf8) else { return [] }
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.trimmingCharacters(in: .whitespaces) == "```yaml" {
                current = []
            } else if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test("docs/configuration.md has examples")
    func documentedExamplesExist() {
        #expect(Self.documentedBlocks.count >= 5)
    }

    @Test("every yaml example in docs/configuration.md passes config check", arguments: documentedBlocks.indices)
    func documentedExample(index: Int) throws {
        let scratch = try ScratchDirectory(["panda.yaml": Self.documentedBlocks[index]])
        defer { scratch.cleanUp() }
        #expect(problems(loading: scratch.path("panda.yaml")) == [], "example \(index + 1) of docs/configuration.md")
    }
}
