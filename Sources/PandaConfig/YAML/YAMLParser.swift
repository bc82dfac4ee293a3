import CYAML

/// Reads one YAML document through libyaml's event API into `YAMLNode`s that
/// remember their line and column.
///
/// ```swift
/// let (root, problems) = YAMLParser.parse("a: &x 1\nb: *x\n", file: "demo.yaml")
/// ```
/// On top of libyaml it adds what a configuration needs and libyaml leaves to
/// its callers: duplicate keys are errors (libyaml accepts them silently),
/// aliases are resolved (with a bound against alias bombs), `<<` merge keys
/// are applied, and a second document in one file is refused.
public enum YAMLParser {
    /// Aliases may expand to at most this many nodes in one file.
    static let aliasExpansionLimit = 100_000
    /// Lists and mappings nest at most this deep, aliases included. Every
    /// reader of the tree recurses once per level, so without a bound a
    /// file of a few thousand `[` overflows the stack; no configuration or
    /// task file needs more than a dozen levels.
    public static let maxDepth = 64

    public static func parse(_ text: String, file: String) -> (root: YAMLNode?, diagnostics: [ConfigDiagnostic]) {
        let log = DiagnosticLog()
        let root = parse(text, file: file, diagnostics: log)
        return (root, log.items)
    }

    /// The document's root; nil when there is no document or when a syntax
    /// error stopped parsing (then it is in `diagnostics`).
    static func parse(_ text: String, file: String, diagnostics: DiagnosticLog) -> YAMLNode? {
        var bytes = Array(text.utf8)
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer in
            var builder = TreeBuilder(file: file, text: text, diagnostics: diagnostics)
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                diagnostics.error(SourceMark(file: file, line: 1, column: 1), "", "libyaml could not start (out of memory)")
                return nil
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count - 1)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    builder.reportSyntaxError(parser)
                    return nil
                }
                let step = builder.consume(event)
                yaml_event_delete(&event)
                switch step {
                case .more: continue
                case .done: return builder.root
                case .failed: return nil
                }
            }
        }
    }
}

/// The state of one parse: a stack of open collections and the anchors seen.
private struct TreeBuilder {
    enum Step { case more, done, failed }

    private struct Frame {
        var items: [YAMLNode] = []          // a sequence's items
        var entries: [YAMLMappingEntry] = []   // a mapping's entries
        var pendingKey: YAMLNode?
        let isMapping: Bool
        let mark: SourceMark
        let anchor: String?
        let path: String
        /// The height of the tallest child so far (a scalar is 0).
        var childHeight = 0
    }

    let file: String
    let text: String
    let diagnostics: DiagnosticLog
    private(set) var root: YAMLNode?
    private var stack: [Frame] = []
    private var anchors: [String: YAMLNode] = [:]
    /// How many levels of lists and mappings each anchored node holds, so an
    /// alias cannot smuggle nesting past the bound.
    private var anchorHeights: [String: Int] = [:]
    private var expanded = 0
    private var documents = 0

    init(file: String, text: String, diagnostics: DiagnosticLog) {
        self.file = file
        self.text = text
        self.diagnostics = diagnostics
    }

    mutating func consume(_ event: yaml_event_t) -> Step {
        let mark = SourceMark(file: file, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                diagnostics.error(mark, "", "a configuration file holds one YAML document; this is a second one")
                return .failed
            }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: Int(scalar.length)), as: UTF8.self)
            let quoted = scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE || scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
                || scalar.style == YAML_LITERAL_SCALAR_STYLE || scalar.style == YAML_FOLDED_SCALAR_STYLE
            let node = YAMLNode(.scalar(YAMLScalar(text: value, quoted: quoted)), mark: mark)
            remember(node, anchor: string(scalar.anchor), height: 0)
            add(node, height: 0)
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor) ?? ""
            guard let node = anchors[name] else {
                diagnostics.error(mark, childPath, "unknown alias '*\(name)'; an anchor '&\(name)' must come before it")
                return .failed
            }
            expanded += node.size
            guard expanded <= YAMLParser.aliasExpansionLimit else {
                diagnostics.error(mark, childPath, "aliases expand to more than \(YAMLParser.aliasExpansionLimit) nodes; refusing to read further")
                return .failed
            }
            let height = anchorHeights[name] ?? 0
            guard stack.count + height <= YAMLParser.maxDepth else { return tooDeep(mark) }
            add(node, height: height)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            guard stack.count < YAMLParser.maxDepth else { return tooDeep(mark) }
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
            stack.append(Frame(isMapping: isMapping, mark: mark, anchor: string(anchor), path: childPath))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            let frame = stack.removeLast()
            let node = YAMLNode(frame.isMapping ? .mapping(mergedEntries(of: frame)) : .sequence(frame.items), mark: frame.mark)
            remember(node, anchor: frame.anchor, height: frame.childHeight + 1)
            add(node, height: frame.childHeight + 1)
        case YAML_STREAM_END_EVENT:
            return .done
        default:
            break
        }
        return .more
    }

    /// The path a node added now will have inside its parent.
    private var childPath: String {
        guard let parent = stack.last else { return "" }
        if parent.isMapping {
            guard let key = parent.pendingKey?.scalar?.text else { return parent.path }
            return KeyPathText.join(parent.path, key)
        }
        return KeyPathText.index(parent.path, parent.items.count)
    }

    private mutating func tooDeep(_ mark: SourceMark) -> Step {
        diagnostics.error(mark, childPath, "lists and mappings nest deeper than \(YAMLParser.maxDepth) levels; refusing to read further")
        return .failed
    }

    private mutating func remember(_ node: YAMLNode, anchor: String?, height: Int) {
        if let anchor {
            anchors[anchor] = node
            anchorHeights[anchor] = height
        }
    }

    private mutating func add(_ node: YAMLNode, height: Int) {
        guard !stack.isEmpty else {
            root = node
            return
        }
        stack[stack.count - 1].childHeight = max(stack[stack.count - 1].childHeight, height)
        if stack[stack.count - 1].isMapping {
            if let key = stack[stack.count - 1].pendingKey {
                stack[stack.count - 1].entries.append(YAMLMappingEntry(key: key, value: node))
                stack[stack.count - 1].pendingKey = nil
            } else {
                stack[stack.count - 1].pendingKey = node
            }
        } else {
            stack[stack.count - 1].items.append(node)
        }
    }

    /// Applies `<<` merge keys (explicit keys win, then earlier merge sources)
    /// and reports duplicate explicit keys, naming where the first one stands.
    private func mergedEntries(of frame: Frame) -> [YAMLMappingEntry] {
        var result: [YAMLMappingEntry] = []
        var seen: [String: SourceMark] = [:]
        var merges: [YAMLNode] = []
        for entry in frame.entries {
            if let key = entry.key.scalar, key.text == "<<", !key.quoted {
                merges.append(entry.value)
                continue
            }
            if let name = entry.name {
                if let first = seen[name] {
                    diagnostics.error(entry.key.mark, KeyPathText.join(frame.path, name),
                                      "duplicate key '\(name)' (first at \(first))")
                    continue
                }
                seen[name] = entry.key.mark
            }
            result.append(entry)
        }
        for merge in merges {
            let sources = merge.mapping != nil ? [merge] : (merge.sequence ?? [merge])
            for source in sources {
                guard let entries = source.mapping else {
                    diagnostics.error(source.mark, KeyPathText.join(frame.path, "<<"),
                                      "'<<' merges mappings, got \(source.kindDescription)")
                    continue
                }
                for entry in entries {
                    guard let name = entry.name, seen[name] == nil else { continue }
                    seen[name] = entry.key.mark
                    result.append(entry)
                }
            }
        }
        return result
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// libyaml's problem text, made to read as one line with both places it knows.
    func reportSyntaxError(_ parser: yaml_parser_t) {
        let problemMark = SourceMark(file: file, line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
        var problem = parser.problem.map { String(cString: $0) } ?? "unreadable YAML"
        if parser.error == YAML_READER_ERROR {
            diagnostics.error(SourceMark(file: file, line: 1, column: 1), "", "not readable as UTF-8 text: \(problem) at byte \(parser.problem_offset)")
            return
        }
        if problem.contains("cannot start any token"), character(at: problemMark) == "\t" {
            problem = "a tab cannot indent YAML; use spaces"
        }
        var message = "syntax error: \(problem)"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " (\(context) at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        diagnostics.error(problemMark, "", message)
    }

    private func character(at mark: SourceMark) -> Character? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line - 1 < lines.count else { return nil }
        let line = lines[mark.line - 1]
        guard mark.column - 1 < line.count else { return nil }
        return line[line.index(line.startIndex, offsetBy: mark.column - 1)]
    }
}
