/// One node of a parsed YAML document, with where it was written.
///
/// ```swift
/// let root = try YAMLParser.parse("a: 1\n", file: "x.yaml", diagnostics: log)
/// root?.mapping?.first?.key.scalar?.text   // "a"
/// ```
/// Aliases are already replaced by the node they name, and `<<` merge keys are
/// already applied, so readers see plain trees.
public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLMappingEntry])
    }

    public var content: Content
    public let mark: SourceMark

    public init(_ content: Content, mark: SourceMark) {
        self.content = content
        self.mark = mark
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [YAMLMappingEntry]? {
        if case .mapping(let entries) = content { return entries }
        return nil
    }

    /// `~`, `null` or nothing at all, written without quotes.
    public var isNull: Bool { scalar?.isNull ?? false }

    /// What this node is, for messages such as "expected a size, got a mapping".
    public var kindDescription: String {
        switch content {
        case .scalar(let s): return s.isNull ? "nothing" : "'\(s.text)'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// How many nodes this subtree holds; bounds alias expansion.
    var size: Int {
        switch content {
        case .scalar: return 1
        case .sequence(let items): return items.reduce(1) { $0 + $1.size }
        case .mapping(let entries): return entries.reduce(1) { $0 + $1.key.size + $1.value.size }
        }
    }
}

/// A scalar's text and whether it was quoted; panda gives scalars their type
/// from the schema, not from YAML's implicit typing.
public struct YAMLScalar: Sendable, Hashable {
    public var text: String
    public let quoted: Bool

    public init(text: String, quoted: Bool) {
        self.text = text
        self.quoted = quoted
    }

    public var isNull: Bool {
        !quoted && ["", "~", "null", "Null", "NULL"].contains(text)
    }
}

/// One `key: value` pair of a mapping.
public struct YAMLMappingEntry: Sendable {
    public let key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }

    /// The key's text when it is a scalar, as every configuration key is.
    public var name: String? { key.scalar?.text }
}
