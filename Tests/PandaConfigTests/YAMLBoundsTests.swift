import Foundation
import Testing
@testable import PandaConfig

/// The configuration language against files made to crash or crawl it:
/// nesting, aliases and includes are bounded with an error at the place,
/// and checking stays linear in the number of keys and files.
@Suite("the configuration language: bounded depth, linear checking")
struct YAMLBoundsTests {
    @Test("a file nested thousands of levels deep gets FILE:LINE:COLUMN, not a stack overflow", arguments: [3_000, 100_000])
    func deepNesting(levels: Int) {
        let flow = "a: " + String(repeating: "[", count: levels) + String(repeating: "]", count: levels) + "\n"
        let (_, flowProblems) = YAMLParser.parse(flow, file: "deep.yaml")
        #expect(flowProblems.map(\.description).first?.hasPrefix("deep.yaml:1:67: ") == true, "\(flowProblems.first.map(\.description) ?? "")")
        #expect(flowProblems.first?.message == "lists and mappings nest deeper than 64 levels; refusing to read further")
        // The same in block style, one level per line.
        let block = (0..<min(levels, 5_000)).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1\n"
        let (_, blockProblems) = YAMLParser.parse(block, file: "block.yaml")
        #expect(blockProblems.first?.mark.line == 65, "\(blockProblems.first.map(\.description) ?? "")")
    }

    @Test("64 levels are read; aliases cannot carry a tree past the bound")
    func aliasDepth() {
        let open = String(repeating: "[", count: 64), close = String(repeating: "]", count: 64)
        #expect(YAMLParser.parse("\(open)1\(close)\n", file: "ok.yaml").diagnostics.isEmpty)
        let half = String(repeating: "[", count: 40) + "1" + String(repeating: "]", count: 40)
        let smuggled = "a: &deep \(half)\nb: \(String(repeating: "[", count: 30))*deep\(String(repeating: "]", count: 30))\n"
        let (_, problems) = YAMLParser.parse(smuggled, file: "alias.yaml")
        #expect(problems.first?.message == "lists and mappings nest deeper than 64 levels; refusing to read further")
        #expect(problems.first?.mark.line == 2)
    }

    @Test("includes nested 40 files deep are refused at the include that goes too far")
    func includeDepth() throws {
        var files = ["panda.yaml": "include: level1.yaml\n"]
        for level in 1...40 { files["level\(level).yaml"] = "include: level\(level + 1).yaml\n" }
        files["level41.yaml"] = "sites: {}\n"
        let scratch = try ScratchDirectory(files)
        defer { scratch.cleanUp() }
        let found = problems(loading: scratch.path("panda.yaml"))
        #expect(found.count == 1)
        #expect(found.first?.contains("level31.yaml:1:10: include: includes nest deeper than 32 files; not reading") == true, "\(found)")
    }

    /// No timed assertion: the limit is a minute for work that takes a few
    /// seconds in a debug build when linear and many minutes when quadratic
    /// (as it was: 2,000 one-site files took 18 s, 10,000 would take ~8 min).
    @Test("10,000 sites in 10,000 included files, and 50,000 keys in one mapping, are checked", .timeLimit(.minutes(1)))
    func linearChecking() throws {
        var files = ["panda.yaml": "include: [ \"queues.d/*.yaml\" ]\n"
                     + (0..<50_000).map { "x-anchor\($0): 1\n" }.joined()]
        for site in 0..<10_000 {
            files["queues.d/site\(site).yaml"] = """
                sites:
                  SITE\(site):
                    storage: { DISK\(site): { url: "https://se\(site).example.org/data" } }
                    queues:
                      Q\(site): { read_from: [DISK\(site)], write_to: DISK\(site), copytools: [https] }

                """
        }
        let scratch = try ScratchDirectory(files)
        defer { scratch.cleanUp() }
        let loaded = try load(scratch.path("panda.yaml"))
        #expect(loaded.configuration.queues.count == 10_000)
        #expect(loaded.configuration.queue(named: "Q9999")?.writeTo == "DISK9999")
        #expect(loaded.configuration.storage(named: "DISK42")?.site == "SITE42")
    }
}
