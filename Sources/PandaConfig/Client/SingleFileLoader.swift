import Foundation

/// Reads one YAML file that is not the main configuration (the client's
/// settings, a task description) through the same parser, environment
/// expansion and key checks, with the same `FILE:LINE:COLUMN` errors.
struct SingleFileLoader {
    let environment: [String: String]

    /// Parses `path` and hands its top-level mapping to `decode`; every
    /// problem found on the way is thrown together.
    func load<T>(path: String, what: String, _ decode: (ConfigReader, DecodeContext) -> T) throws(ConfigLoadError) -> T {
        let text: String
        do {
            text = try DocumentLoader.read(path)
        } catch {
            throw .unreadable(path: path, reason: error.description)
        }
        return try load(text: text, file: path, what: what, decode)
    }

    func load<T>(text: String, file: String, what: String, _ decode: (ConfigReader, DecodeContext) -> T) throws(ConfigLoadError) -> T {
        let diagnostics = DiagnosticLog()
        diagnostics.fileOrder = [file]
        let context = DecodeContext(diagnostics: diagnostics)
        var value: T?
        if let parsed = YAMLParser.parse(text, file: file, diagnostics: diagnostics) {
            let root = EnvironmentExpansion.expand(parsed, path: "", environment: environment, diagnostics: diagnostics)
            if root.mapping == nil && !root.isNull {
                diagnostics.error(root.mark, "", "\(what) is a mapping of keys, got \(root.kindDescription)")
            } else if let reader = ConfigReader(root, path: "", context: context) {
                value = decode(reader, context)
            }
        }
        guard diagnostics.isEmpty, let value else { throw .invalid(diagnostics.sorted) }
        return value
    }
}
