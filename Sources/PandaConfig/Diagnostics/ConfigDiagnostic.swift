/// One problem found in a configuration, printed as
/// `FILE:LINE:COLUMN: KEY.PATH: message`.
///
/// ```swift
/// ConfigDiagnostic(mark: mark, path: "sites.BNL.queues.BNL_PROD.maxrss",
///                  message: "unknown key 'maxrs' (did you mean 'maxrss'?)")
/// ```
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public let mark: SourceMark
    /// The key path in the file, empty where the problem belongs to no key
    /// (a YAML syntax error, an unreadable include).
    public let path: String
    public let message: String

    public init(mark: SourceMark, path: String, message: String) {
        self.mark = mark
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty ? "\(mark): \(message)" : "\(mark): \(path): \(message)"
    }
}

/// Collects every problem of one load, so that a user sees all of them at
/// once. One place gets one problem, the first found: later ones there follow
/// from it (an unset variable makes the value unreadable too), and a template
/// used by two queues is reported once.
final class DiagnosticLog {
    private(set) var items: [ConfigDiagnostic] = []
    private var seen: Set<SourceMark> = []
    /// Files in the order they were loaded, which orders the report.
    var fileOrder: [String] = []

    func error(_ mark: SourceMark, _ path: String, _ message: String) {
        let diagnostic = ConfigDiagnostic(mark: mark, path: path, message: message)
        if seen.insert(mark).inserted { items.append(diagnostic) }
    }

    var isEmpty: Bool { items.isEmpty }

    /// In file load order, then by position in the file.
    var sorted: [ConfigDiagnostic] {
        let rank = Dictionary(fileOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return items.enumerated().sorted { a, b in
            let (x, y) = (a.element.mark, b.element.mark)
            let (rx, ry) = (rank[x.file] ?? Int.max, rank[y.file] ?? Int.max)
            if rx != ry { return rx < ry }
            if x.line != y.line { return x.line < y.line }
            if x.column != y.column { return x.column < y.column }
            return a.offset < b.offset
        }.map(\.element)
    }
}
