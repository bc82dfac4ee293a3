/// Where a resolved configuration value came from, as `panda config show`
/// prints it beside the value.
public enum ValueOrigin: Sendable, Hashable, CustomStringConvertible {
    /// Written at this place for this very value.
    case file(SourceMark)
    /// Inherited from a template through `extends`, written at this place.
    case template(String, SourceMark)
    /// Not written anywhere: panda's default.
    case `default`

    public var description: String {
        switch self {
        case .file(let mark): return mark.description
        case .template(let name, let mark): return "template \(name) at \(mark)"
        case .default: return "default"
        }
    }
}

/// What decoding writes as it goes: the problems found, and the origin of
/// every value it read, by resolved key path.
final class DecodeContext {
    let diagnostics: DiagnosticLog
    var origins: [String: ValueOrigin] = [:]
    /// Off while templates are checked on their own: a template may leave a
    /// required key (batch.system, say) to the queues that extend it.
    var reportsMissingKeys = true

    init(diagnostics: DiagnosticLog) {
        self.diagnostics = diagnostics
    }

    func origin(of path: String) -> ValueOrigin { origins[path] ?? .default }

    /// The place to point at for a problem with a resolved value, when it was
    /// written somewhere.
    func mark(of path: String) -> SourceMark? {
        switch origins[path] {
        case .file(let mark), .template(_, let mark): return mark
        case .default, nil: return nil
        }
    }
}
