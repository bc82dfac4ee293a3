import Foundation

/// A piece of HTML. Text interpolated into it is escaped; only other `HTML`
/// values (and the literals written in this source) go in as markup. This is
/// the monitor's one mechanism against hostile job names, owners, messages
/// and logs: there is no way to put a `String` into a page unescaped.
///
/// ```swift
/// let name = "<script>alert(1)</script>"
/// let cell: HTML = "<td title=\"\(name)\">\(name)</td>"   // both escaped
/// ```
public struct HTML: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public private(set) var markup: String

    public var description: String { markup }

    public init(stringLiteral value: String) { markup = value }

    public init(stringInterpolation: Interpolation) { markup = stringInterpolation.markup }

    /// Markup made by this module's own code (numbers, SVG coordinates).
    init(trusted markup: String) { self.markup = markup }

    public struct Interpolation: StringInterpolationProtocol {
        var markup = ""

        public init(literalCapacity: Int, interpolationCount: Int) { markup.reserveCapacity(literalCapacity * 2) }
        public mutating func appendLiteral(_ literal: String) { markup += literal }
        public mutating func appendInterpolation(_ text: String) { markup += HTML.escape(text) }
        public mutating func appendInterpolation(_ text: String?) { markup += HTML.escape(text ?? "") }
        public mutating func appendInterpolation(_ html: HTML) { markup += html.markup }
        public mutating func appendInterpolation(_ parts: [HTML]) { for part in parts { markup += part.markup } }
        public mutating func appendInterpolation<N: BinaryInteger>(_ number: N) { markup += String(number) }
    }

    /// `&`, `<`, `>`, `"` and `'` as entities, so escaped text is safe in an
    /// element and in a quoted attribute alike.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "\u{0}": escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    public static func + (a: HTML, b: HTML) -> HTML { HTML(trusted: a.markup + b.markup) }
}

extension Array where Element == HTML {
    func joined(_ separator: HTML = "") -> HTML {
        HTML(trusted: map(\.markup).joined(separator: separator.markup))
    }
}

extension Optional {
    /// Markup made from the value when there is one, nothing otherwise:
    /// `\(next.html { "<p>\(Layout.link($0, "next"))</p>" })`. Write this,
    /// never `next.map { "<p>…</p>" } ?? ""`, whose closure Swift types as
    /// `String`, so the whole element is escaped and shows as text.
    func html(_ make: (Wrapped) -> HTML) -> HTML { map(make) ?? "" }
}
