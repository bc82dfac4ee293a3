/// The one check for every name that becomes a path or URL component:
/// scopes, file names (lfn), dataset names, queue and storage endpoint
/// names. A name that passes can be appended to a storage endpoint's base
/// (`BASE/SCOPE/LFN`), to a work directory or to a URL without leaving it.
///
/// ```swift
/// PathName.problem("../..", as: .scope, at: "outputs[0].scope")
/// // "outputs[0].scope '../..' must not start with '.'"
/// PathName.problem("user.jdoe", as: .scope, at: "scope")   // nil
/// ```
/// Every kind refuses: the empty name, more than `maxBytes` bytes, NUL and
/// other control characters, `/` and `\`, a leading `.` (so `.`, `..` and
/// hidden names), `..` anywhere, and `%` (a percent-escape would decode to
/// `/` or `..` at the storage). Catalogue names (scopes, datasets) also keep
/// to Rucio's characters; file names also refuse whitespace, `?` and `#`,
/// which would end a URL's path.
public enum PathName {
    public enum Kind: Sendable {
        case scope, dataset, file, queue, storage
    }

    /// The longest name, in UTF-8 bytes (a file name on every Linux file system).
    public static let maxBytes = 255

    /// What is wrong with `name`, said about `place`, or nil when it is safe.
    public static func problem(_ name: String, as kind: Kind, at place: String) -> String? {
        if name.isEmpty { return "\(place) is empty" }
        let shown = quoted(name)
        if name.utf8.count > maxBytes { return "\(place) is \(name.utf8.count) bytes long; at most \(maxBytes)" }
        if name.unicodeScalars.contains(where: isControl) { return "\(place) \(shown) holds a NUL or control character" }
        if name.contains("/") || name.contains("\\") { return "\(place) \(shown) must not hold '/' or '\\'" }
        if name.hasPrefix(".") { return "\(place) \(shown) must not start with '.'" }
        if name.contains("..") { return "\(place) \(shown) must not hold '..'" }
        if name.contains("%") { return "\(place) \(shown) must not hold '%'" }
        switch kind {
        case .scope, .dataset:
            if name.hasPrefix("-") || !name.unicodeScalars.allSatisfy(isCatalogueCharacter) {
                return "\(place) \(shown) may hold only letters, digits, '.', '_', '-' and ':' ('-' not first)"
            }
        case .file:
            if name.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0 == "?" || $0 == "#" }) {
                return "\(place) \(shown) must not hold whitespace, '?' or '#'"
            }
        case .queue, .storage:
            break
        }
        return nil
    }

    public static func isSafe(_ name: String, as kind: Kind) -> Bool {
        problem(name, as: kind, at: "") == nil
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    private static func isCatalogueCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-", ":": return true
        default: return false
        }
    }

    /// The name as an error message shows it: bounded, so a megabyte-long
    /// name does not come back in a megabyte-long answer.
    public static func quoted(_ name: String) -> String {
        let printable = String(String.UnicodeScalarView(name.unicodeScalars.prefix(80).map { isControl($0) ? "?" : $0 }))
        return "'" + printable + (name.unicodeScalars.count > 80 ? "…" : "") + "'"
    }
}
