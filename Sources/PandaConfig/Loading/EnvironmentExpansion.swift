import PandaCore

/// Expands `${VAR}` and `${VAR:-default}` in scalar values from the
/// environment, before values are typed, so `maxrss: ${RSS:-2GB}` is a size.
///
/// ```swift
/// EnvironmentExpansion.expand("${HOME}/panda", environment: ["HOME": "/root"])  // .success("/root/panda")
/// ```
/// `$$` stands for one `$`; a `$` followed by anything else is kept as it is.
/// As in the shell, the default is used when the variable is unset or empty.
enum EnvironmentExpansion {
    static func expand(_ text: String, environment: [String: String]) -> Result<String, ValueParseError> {
        guard text.contains("$") else { return .success(text) }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.hasPrefix("$") {
                result += "$"
                rest = after.dropFirst()
                continue
            }
            guard after.hasPrefix("{") else {
                result += "$"
                rest = after
                continue
            }
            guard let close = after.firstIndex(of: "}") else {
                return .failure(ValueParseError("'${' has no closing '}' in '\(text)'"))
            }
            let inside = after[after.index(after: after.startIndex)..<close]
            let name: Substring
            var fallback: Substring?
            if let separator = inside.range(of: ":-") {
                name = inside[..<separator.lowerBound]
                fallback = inside[separator.upperBound...]
            } else {
                name = inside
            }
            guard let first = name.first, first == "_" || first.isLetter,
                  name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                return .failure(ValueParseError("'${\(inside)}' does not name an environment variable"))
            }
            if let value = environment[String(name)], !(value.isEmpty && fallback != nil) {
                result += value
            } else if let fallback {
                result += fallback
            } else {
                return .failure(ValueParseError("environment variable \(name) is not set (write ${\(name):-DEFAULT} to give a default)"))
            }
            rest = after[after.index(after: close)...]
        }
        result += rest
        return .success(result)
    }

    /// Expands every scalar value below `node` (keys stay as written).
    static func expand(_ node: YAMLNode, path: String, environment: [String: String], diagnostics: DiagnosticLog) -> YAMLNode {
        switch node.content {
        case .scalar(var scalar):
            switch expand(scalar.text, environment: environment) {
            case .success(let text):
                scalar.text = text
            case .failure(let problem):
                diagnostics.error(node.mark, path, problem.message)
            }
            return YAMLNode(.scalar(scalar), mark: node.mark)
        case .sequence(let items):
            let expanded = items.enumerated().map { index, item in
                expand(item, path: KeyPathText.index(path, index), environment: environment, diagnostics: diagnostics)
            }
            return YAMLNode(.sequence(expanded), mark: node.mark)
        case .mapping(let entries):
            let expanded = entries.map { entry in
                var entry = entry
                entry.value = expand(entry.value, path: KeyPathText.join(path, entry.name ?? "?"), environment: environment, diagnostics: diagnostics)
                return entry
            }
            return YAMLNode(.mapping(expanded), mark: node.mark)
        }
    }
}
