/// Any JSON value, for walking an encoded configuration without knowing its
/// types (flattening it into rows for `config show`).
enum JSONValue: Decodable, Equatable {
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// How the value reads in a table: strings bare, lists in brackets.
    var text: String {
        switch self {
        case .bool(let value): return String(value)
        case .number(let value): return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): return value
        case .array(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .object(let fields): return "{" + fields.keys.sorted().map { "\($0): \(fields[$0]!.text)" }.joined(separator: ", ") + "}"
        case .null: return "-"
        }
    }

    /// Every leaf below this value with its dotted path; lists are leaves.
    func leaves(prefix: String = "") -> [(path: String, value: JSONValue)] {
        guard case .object(let fields) = self, !(fields.isEmpty && !prefix.isEmpty) else { return [(prefix, self)] }
        return fields.keys.sorted().flatMap { key in
            fields[key]!.leaves(prefix: KeyPathText.join(prefix, key))
        }
    }
}
