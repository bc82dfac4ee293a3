import Testing
@testable import PandaConfig

@Suite("YAML layer")
struct YAMLParserTests {
    @Test("every node keeps its 1-based line and column")
    func marks() throws {
        let (root, problems) = YAMLParser.parse("a: 1\nb:\n  - x\n  - { c: d }\n", file: "f.yaml")
        #expect(problems.isEmpty)
        let entries = try #require(root?.mapping)
        #expect(entries[0].key.mark == SourceMark(file: "f.yaml", line: 1, column: 1))
        #expect(entries[0].value.mark == SourceMark(file: "f.yaml", line: 1, column: 4))
        let items = try #require(entries[1].value.sequence)
        #expect(items[1].mark == SourceMark(file: "f.yaml", line: 4, column: 5))
        #expect(items[1].mapping?[0].value.mark == SourceMark(file: "f.yaml", line: 4, column: 10))
    }

    @Test("scalars keep their text and whether they were quoted; types come from the schema")
    func scalars() throws {
        let (root, _) = YAMLParser.parse("a: no\nb: '010'\nc: ~\nd:\n", file: "f.yaml")
        let values = try #require(root?.mapping).map(\.value)
        #expect(values[0].scalar == YAMLScalar(text: "no", quoted: false))
        #expect(values[1].scalar == YAMLScalar(text: "010", quoted: true))
        #expect(values[2].isNull)
        #expect(values[3].isNull)
    }

    @Test("an alias is the anchored node, and merge keys give way to explicit keys")
    func aliasesAndMerges() throws {
        let text = """
            base: &base { a: 1, b: 2 }
            other: &other { c: 3 }
            copy: *base
            merged:
              <<: [ *base, *other ]
              b: 20
            """
        let (root, problems) = YAMLParser.parse(text, file: "f.yaml")
        #expect(problems.isEmpty)
        let entries = try #require(root?.mapping)
        let copy = try #require(entries[2].value.mapping)
        #expect(copy.map(\.name) == ["a", "b"])
        let merged = try #require(entries[3].value.mapping)
        let values = Dictionary(uniqueKeysWithValues: merged.map { ($0.name!, $0.value.scalar!.text) })
        #expect(values == ["a": "1", "b": "20", "c": "3"])
    }

    @Test("duplicate keys are errors naming the first one")
    func duplicates() {
        let (_, problems) = YAMLParser.parse("a:\n  b: 1\n  b: 2\n", file: "f.yaml")
        #expect(problems.map(\.description) == ["f.yaml:3:3: a.b: duplicate key 'b' (first at f.yaml:2:3)"])
    }

    @Test("an alias bomb is refused instead of expanded")
    func aliasBomb() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            let previous = "*a\(level - 1)"
            text += "a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
        }
        let (root, problems) = YAMLParser.parse(text, file: "bomb.yaml")
        #expect(root == nil)
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("aliases expand to more than") == true)
    }

    @Test("an empty file is no document, not an error")
    func empty() {
        let (root, problems) = YAMLParser.parse("# only a comment\n", file: "f.yaml")
        #expect(root == nil)
        #expect(problems.isEmpty)
    }
}

extension YAMLNode: Equatable {
    public static func == (a: YAMLNode, b: YAMLNode) -> Bool { a.mark == b.mark }
}
