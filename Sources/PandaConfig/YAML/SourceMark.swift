/// A place in a configuration file: the file as the user named it (or as an
/// include resolved it), and a 1-based line and column.
public struct SourceMark: Sendable, Hashable, Codable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}
