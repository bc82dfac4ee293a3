import Foundation
import Testing
import TestSupport
@testable import PandaConfig

/// A corpus-driven fuzz target for the configuration language: inputs
/// mutated from the shipped examples and the broken-configuration corpus,
/// with a fixed seed so a failure reproduces, fed to the YAML parser, the
/// full loader (includes, templates, checks) and the task-file reader. A
/// crash fails the run; every problem must carry a usable FILE:LINE:COLUMN.
///
/// Chosen over libFuzzer (`-sanitize=fuzzer`) because it runs in every
/// `swift test` with the normal debug build, on any toolchain, in a bounded
/// and reproducible time; libFuzzer needs a second instrumented build of the
/// whole package and runs until stopped. `PANDA_FUZZ_ITERATIONS` and
/// `PANDA_FUZZ_SEED` run it longer or elsewhere.
@Suite("the configuration language under mutated input")
struct YAMLFuzzTests {
    static var seeds: [String] {
        let broken = Repository.fixtures.appendingPathComponent("broken")
        var files = [Repository.path("etc/panda/panda.yaml")]
        files += ((try? FileManager.default.contentsOfDirectory(atPath: Repository.path("etc/panda/queues.d"))) ?? []).sorted()
            .map { Repository.path("etc/panda/queues.d/" + $0) }
        files += ((try? FileManager.default.contentsOfDirectory(atPath: broken.path)) ?? []).sorted()
            .filter { $0.hasSuffix(".yaml") }.map { broken.appendingPathComponent($0).path }
        return files.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) } + [
            "name: t\nexec: run.sh %IN\nin_ds: [a.b]\nout_ds: c.d\nfiles_per_job: 2\nmemory: 2GB\nenv: { A: b }\n",
            "a: &x { b: [1, 2, { c: *y }] }\nd: { <<: *x, e: \"\\u0000\" }\n",
        ]
    }

    /// Fragments that reach YAML's corners: flow and block collections,
    /// anchors, aliases and merges, tags, directives, documents, escapes,
    /// tabs, the environment syntax, and a NUL.
    static let fragments = [
        "[", "]", "{", "}", ": ", "- ", "? ", ",", "&a ", "*a", "&b ", "*b", "<<: ", "<<: *a", "!!str ", "!!map ", "!custom ",
        "%YAML 1.2\n", "%TAG ! tag:x,2000:\n", "---\n", "...\n", "|\n  ", ">-\n  ", "\"", "'", "\\u00e9", "\\x00", "\t", "\n", "\n  ",
        "#", "${", "${HOME}", "${NOPE:-8GB}", "}", "include: [\"*.yaml\"]\n", "extends: grid\n", "2GB", "90s", "-1", "1e400",
        "\u{0}", "\u{FEFF}", "\u{1F600}", "~", "null", "0x10", String(repeating: "[", count: 70), String(repeating: "a", count: 300),
    ]

    @Test("mutated configurations and task files never crash the reader, and every problem has FILE:LINE:COLUMN")
    func mutatedInputs() throws {
        let environment = ProcessInfo.processInfo.environment
        let iterations = Int(environment["PANDA_FUZZ_ITERATIONS"] ?? "") ?? 3_000
        var random = SplitMix64(seed: UInt64(environment["PANDA_FUZZ_SEED"] ?? "") ?? 20_261_201)
        let seeds = Self.seeds
        try #require(seeds.count > 10)
        let scratch = try ScratchDirectory(["queues.d/extra.yaml": "sites: { X: { queues: { XQ: {} } } }\n"])
        defer { scratch.cleanUp() }
        for iteration in 0..<iterations {
            var text = Array(seeds[Int(random.next() % UInt64(seeds.count))].utf8)
            for _ in 0...(random.next() % 6) { Self.mutate(&text, with: &random, seeds: seeds) }
            let input = String(decoding: text, as: UTF8.self)
            let (_, diagnostics) = YAMLParser.parse(input, file: "fuzz.yaml")
            for problem in diagnostics {
                #expect(problem.mark.file == "fuzz.yaml" && problem.mark.line >= 1 && problem.mark.column >= 1,
                        "iteration \(iteration): \(problem)")
            }
            _ = try? TaskFile.load(text: input, file: "task.yaml")
            // The whole loader on every tenth input: it writes a file.
            if iteration % 10 == 0 {
                try input.write(toFile: scratch.path("panda.yaml"), atomically: true, encoding: .utf8)
                for line in problems(loading: scratch.path("panda.yaml")) where !line.hasPrefix("unreadable") {
                    #expect(line.range(of: #"^[^:]+:\d+:\d+: "#, options: .regularExpression) != nil, "iteration \(iteration): \(line)")
                }
            }
        }
    }

    private static func mutate(_ text: inout [UInt8], with random: inout SplitMix64, seeds: [String]) {
        let position = text.isEmpty ? 0 : Int(random.next() % UInt64(text.count + 1))
        switch random.next() % 6 {
        case 0:  // insert a fragment
            text.insert(contentsOf: Array(fragments[Int(random.next() % UInt64(fragments.count))].utf8), at: position)
        case 1:  // delete a run
            let length = min(Int(random.next() % 16) + 1, text.count - position)
            if length > 0 { text.removeSubrange(position..<(position + length)) }
        case 2:  // overwrite one byte with anything
            if position < text.count { text[position] = UInt8(truncatingIfNeeded: random.next()) }
        case 3:  // duplicate a run, as copy-paste does
            let length = min(Int(random.next() % 64) + 1, text.count - position)
            if length > 0 { text.insert(contentsOf: Array(text[position..<(position + length)]), at: position) }
        case 4:  // splice in a piece of another seed
            let other = Array(seeds[Int(random.next() % UInt64(seeds.count))].utf8)
            let start = other.isEmpty ? 0 : Int(random.next() % UInt64(other.count))
            text.insert(contentsOf: other[start..<min(other.count, start + 200)], at: position)
        default:  // swap a line's indentation
            if let newline = text[position...].firstIndex(of: UInt8(ascii: "\n")) {
                text.insert(contentsOf: Array(repeating: UInt8(ascii: " "), count: Int(random.next() % 5)), at: newline + 1)
            }
        }
    }
}

/// A small deterministic generator (SplitMix64), so a seed names one run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
