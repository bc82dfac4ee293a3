import Foundation
import PandaCore

/// Reads one configuration mapping into typed values, the schema asking for
/// each key it knows. Keys nobody asked for are reported at `finish()` with
/// the nearest known key, so the schema is written once, in the decoders.
///
/// ```swift
/// let reader = ConfigReader(node, path: "server", target: "server", context: context)
/// let listen = reader.value("listen", default: ListenAddress.defaultServer)
/// reader.finish()
/// ```
/// A reader may stack several layers — a queue over the templates it extends:
/// each key comes from the first layer that sets it, nested sections merge key
/// by key, and errors point at the layer where the bad value was written.
final class ConfigReader {
    /// One mapping in the stack, with where it stands in its own file.
    struct Layer {
        let entries: [YAMLMappingEntry]
        let mark: SourceMark
        /// Key path within its file, which messages name.
        let path: String
        /// The template this layer is, when it is one.
        let template: String?
    }

    let layers: [Layer]
    /// The key path of the resolved value, which origins are recorded under.
    let target: String
    let context: DecodeContext
    /// Keys the schema asked for, in order (suggestions rank them), and as a
    /// set, so `finish()` stays linear in a mapping of thousands of keys.
    private var known: [String] = []
    private var knownSet: Set<String> = []

    private func noteKnown(_ key: String) {
        if knownSet.insert(key).inserted { known.append(key) }
    }

    init(layers: [Layer], target: String, context: DecodeContext) {
        self.layers = layers
        self.target = target
        self.context = context
    }

    /// A reader over one node, which must be a mapping (or nothing, which
    /// reads as an empty mapping); nil after reporting anything else.
    convenience init?(_ node: YAMLNode, path: String, target: String? = nil, template: String? = nil, context: DecodeContext) {
        let entries: [YAMLMappingEntry]
        if let mapping = node.mapping {
            entries = mapping
        } else if node.isNull {
            entries = []
        } else {
            context.diagnostics.error(node.mark, path, "expected a mapping, got \(node.kindDescription)")
            return nil
        }
        self.init(layers: [Layer(entries: entries, mark: node.mark, path: path, template: template)],
                  target: target ?? path, context: context)
    }

    /// Where the mapping itself starts, for "missing key" messages.
    var mark: SourceMark { layers.first?.mark ?? SourceMark(file: "", line: 0, column: 0) }

    // MARK: Scalars

    /// The value of `key`, or nil when no layer sets it or it is malformed
    /// (then the problem is reported).
    func value<T: ConfigScalar>(_ key: String) -> T? {
        guard let (node, layer) = lookup(key) else { return nil }
        return decode(node, key: key, layer: layer)
    }

    func value<T: ConfigScalar>(_ key: String, default fallback: T) -> T {
        value(key) ?? fallback
    }

    /// A value that must lie in `range`; out-of-range values are reported and
    /// replaced by nil.
    func value<T: ConfigScalar & Comparable>(_ key: String, in range: ClosedRange<T>) -> T? {
        guard let (node, layer) = lookup(key), let value: T = decode(node, key: key, layer: layer) else { return nil }
        guard range.contains(value) else {
            report(node.mark, layer, key, "\(value) is out of range; expected \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    func value<T: ConfigScalar & Comparable>(_ key: String, default fallback: T, in range: ClosedRange<T>) -> T {
        value(key, in: range) ?? fallback
    }

    /// A value the mapping must set.
    func required<T: ConfigScalar>(_ key: String, expecting expectation: String = T.expectation) -> T? {
        guard lookup(key) != nil else {
            guard context.reportsMissingKeys else { return nil }
            report(mark, layers.first, key, "missing required key '\(key)' (\(expectation))", pathIncludesKey: false)
            return nil
        }
        return value(key)
    }

    /// A file system path; a relative one is taken relative to the file it is
    /// written in, so an included file can name its neighbours.
    func path(_ key: String) -> String? {
        guard let (node, _) = lookup(key), let text: String = value(key) else { return nil }
        return Self.resolve(text, nextTo: node.mark.file)
    }

    func path(_ key: String, default fallback: String) -> String {
        path(key) ?? fallback
    }

    func requiredPath(_ key: String) -> String? {
        let _: String? = required(key, expecting: "a file path")
        return path(key)
    }

    static func resolve(_ path: String, nextTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let directory = (file as NSString).deletingLastPathComponent
        return directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
    }

    // MARK: Collections

    /// A list; a single value stands for a list of one.
    func list<T: ConfigScalar>(_ key: String, default fallback: [T] = []) -> [T] {
        guard let (node, layer) = lookup(key) else { return fallback }
        let items: [YAMLNode]
        if let sequence = node.sequence {
            items = sequence
        } else if node.scalar != nil, !node.isNull {
            items = [node]
        } else {
            report(node.mark, layer, key, "expected a list (each item \(T.expectation)), got \(node.kindDescription)")
            return fallback
        }
        var values: [T] = []
        var failed = false
        for (index, item) in items.enumerated() {
            // Items get origins of their own, so that a problem with one item
            // (an unknown storage name) points at that item.
            let itemKey = node.sequence == nil ? key : KeyPathText.index(key, index)
            if let value: T = decode(item, key: itemKey, layer: layer) {
                values.append(value)
            } else {
                failed = true
            }
        }
        if failed { return fallback }
        record(key, node: node, layer: layer)
        return values
    }

    /// A mapping of names to strings (an environment, say).
    func stringMap(_ key: String) -> [String: String] {
        guard let (node, layer) = lookup(key) else { return [:] }
        guard let sub = ConfigReader(node, path: KeyPathText.join(layer.path, key), context: context) else { return [:] }
        var result: [String: String] = [:]
        for entry in sub.namedEntries() {
            if let value: String = sub.decode(entry.value, key: entry.name, layer: sub.layers[0], record: false) {
                result[entry.name] = value
            }
        }
        record(key, node: node, layer: layer)
        return result
    }

    /// A nested section, merged key by key across layers; an empty one when
    /// no layer has it, so its defaults apply. The caller must `finish()` it.
    func section(_ key: String) -> ConfigReader {
        noteKnown(key)
        var sublayers: [Layer] = []
        for layer in layers {
            guard let entry = layer.entries.first(where: { $0.name == key }) else { continue }
            let path = KeyPathText.join(layer.path, key)
            if let mapping = entry.value.mapping {
                sublayers.append(Layer(entries: mapping, mark: entry.value.mark, path: path, template: layer.template))
            } else if !entry.value.isNull {
                context.diagnostics.error(entry.value.mark, path, "expected a mapping, got \(entry.value.kindDescription)")
            }
        }
        if sublayers.isEmpty {
            sublayers = [Layer(entries: [], mark: mark, path: KeyPathText.join(layers.first?.path ?? target, key), template: nil)]
        }
        return ConfigReader(layers: sublayers, target: KeyPathText.join(target, key), context: context)
    }

    /// Whether any layer writes `key` at all.
    func has(_ key: String) -> Bool {
        layers.contains { layer in layer.entries.contains { $0.name == key } }
    }

    /// The entries of a mapping whose keys are names the user chose (sites,
    /// queues, storage endpoints), from the first layer.
    func namedEntries() -> [(name: String, key: YAMLNode, value: YAMLNode, path: String)] {
        guard let layer = layers.first else { return [] }
        return layer.entries.compactMap { entry in
            guard let name = entry.name else {
                context.diagnostics.error(entry.key.mark, layer.path, "keys must be plain names, got \(entry.key.kindDescription)")
                return nil
            }
            return (name, entry.key, entry.value, KeyPathText.join(layer.path, name))
        }
    }

    /// The raw node of a key the caller reads in its own way (`extends`,
    /// `include`), marking the key as known.
    func node(_ key: String) -> (node: YAMLNode, path: String)? {
        guard let (node, layer) = lookup(key) else { return nil }
        return (node, KeyPathText.join(layer.path, key))
    }

    /// Marks keys as known without reading them here.
    func accept(_ keys: String...) {
        keys.forEach(noteKnown)
    }

    func accept(contentsOf keys: [String]) {
        keys.forEach(noteKnown)
    }

    /// Reports every key no decoder asked for.
    func finish() {
        for layer in layers {
            for entry in layer.entries {
                guard let name = entry.name else {
                    context.diagnostics.error(entry.key.mark, layer.path, "keys must be plain names, got \(entry.key.kindDescription)")
                    continue
                }
                guard !knownSet.contains(name) else { continue }
                context.diagnostics.error(entry.key.mark, KeyPathText.join(layer.path, name),
                                          "unknown key '\(name)'\(Suggestion.hint(for: name, in: known))")
            }
        }
    }

    // MARK: Internals

    private func lookup(_ key: String) -> (YAMLNode, Layer)? {
        noteKnown(key)
        for layer in layers {
            if let entry = layer.entries.first(where: { $0.name == key }) {
                return (entry.value, layer)
            }
        }
        return nil
    }

    fileprivate func decode<T: ConfigScalar>(_ node: YAMLNode, key: String, layer: Layer, record shouldRecord: Bool = true) -> T? {
        guard let scalar = node.scalar else {
            report(node.mark, layer, key, "expected \(T.expectation), got \(node.kindDescription)")
            return nil
        }
        if scalar.isNull {
            report(node.mark, layer, key, "missing value; expected \(T.expectation)")
            return nil
        }
        do {
            let value = try T(configText: scalar.text)
            if shouldRecord { record(key, node: node, layer: layer) }
            return value
        } catch {
            report(node.mark, layer, key, error.message)
            return nil
        }
    }

    private func record(_ key: String, node: YAMLNode, layer: Layer) {
        let path = KeyPathText.join(target, key)
        context.origins[path] = layer.template.map { .template($0, node.mark) } ?? .file(node.mark)
    }

    private func report(_ mark: SourceMark, _ layer: Layer?, _ key: String, _ message: String, pathIncludesKey: Bool = true) {
        let base = layer?.path ?? target
        context.diagnostics.error(mark, pathIncludesKey ? KeyPathText.join(base, key) : base, message)
    }
}
