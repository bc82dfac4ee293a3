/// The `templates:` of every file, and the `extends:` chains through them.
struct TemplateCatalogue {
    struct Definition {
        let name: String
        let key: YAMLNode
        let node: YAMLNode
        let path: String
    }

    private(set) var definitions: [String: Definition] = [:]
    private(set) var order: [String] = []
    let context: DecodeContext

    init(context: DecodeContext) {
        self.context = context
    }

    mutating func add(name: String, key: YAMLNode, node: YAMLNode, path: String) {
        if let first = definitions[name] {
            context.diagnostics.error(key.mark, path, "template '\(name)' is already defined at \(first.key.mark)")
            return
        }
        definitions[name] = Definition(name: name, key: key, node: node, path: path)
        order.append(name)
    }

    /// The layers of a queue or template: itself first, then what it extends,
    /// transitively. Unknown templates and cycles are reported and end the chain.
    func layers(of node: YAMLNode, path: String, template: String? = nil) -> (layers: [ConfigReader.Layer], used: [String]) {
        guard let first = layer(node, path: path, template: template) else { return ([], []) }
        var layers = [first]
        var chain = template.map { [$0] } ?? []
        var current = (node: node, path: path)
        while let extends = current.node.mapping?.first(where: { $0.name == "extends" })?.value {
            let extendsPath = KeyPathText.join(current.path, "extends")
            guard let name = extends.scalar?.text, !extends.isNull else {
                context.diagnostics.error(extends.mark, extendsPath, "expected the name of one template, got \(extends.kindDescription)")
                break
            }
            guard let definition = definitions[name] else {
                context.diagnostics.error(extends.mark, extendsPath,
                                          "unknown template '\(name)'\(Suggestion.hint(for: name, in: order))")
                break
            }
            if let start = chain.firstIndex(of: name) {
                let cycle = chain[start...] + [name]
                context.diagnostics.error(extends.mark, extendsPath, "template cycle: \(cycle.joined(separator: " -> "))")
                break
            }
            chain.append(name)
            guard let next = layer(definition.node, path: definition.path, template: name) else { break }
            layers.append(next)
            current = (definition.node, definition.path)
        }
        return (layers, chain)
    }

    private func layer(_ node: YAMLNode, path: String, template: String?) -> ConfigReader.Layer? {
        if node.isNull { return ConfigReader.Layer(entries: [], mark: node.mark, path: path, template: template) }
        guard let entries = node.mapping else {
            context.diagnostics.error(node.mark, path, "expected a mapping of queue settings, got \(node.kindDescription)")
            return nil
        }
        return ConfigReader.Layer(entries: entries, mark: node.mark, path: path, template: template)
    }
}
