/// Whether a file's URL lies under a storage endpoint's base URL: the
/// server's check of every replica it registers, and the pilot's second
/// line of defence before it stores or stages in anything.
///
/// ```swift
/// StoragePath.isUnder("https://se.example/data/user.jdoe/f.root", base: "davs://se.example/data")   // true
/// StoragePath.isUnder("file:///srv/se/%2e%2e/etc/passwd", base: "file:///srv/se")                // false
/// ```
/// Both sides are compared as the copy tools will use them: `davs://` is
/// `https://`, `dav://` is `http://`, `file:///p` is the path `/p`, host
/// names ignore case, percent-escapes are decoded, repeated `/` count once.
/// A URL with a `.` or `..` segment, a NUL, a query or a fragment is never
/// under anything.
public enum StoragePath {
    public static func isUnder(_ url: String, base: String) -> Bool {
        guard let file = Parsed(url), let root = Parsed(base) else { return false }
        return file.origin == root.origin
            && file.segments.count > root.segments.count
            && Array(file.segments.prefix(root.segments.count)) == root.segments
    }

    /// A URL as origin (scheme and host, or "local") and decoded path segments.
    struct Parsed {
        let origin: String
        let segments: [String]

        init?(_ text: String) {
            guard !text.contains("?"), !text.contains("#") else { return nil }
            let path: Substring
            if text.hasPrefix("/") {
                origin = "local"
                path = text[...]
            } else if text.hasPrefix("file://") {
                origin = "local"
                path = text.dropFirst("file://".count)
                guard path.hasPrefix("/") else { return nil }
            } else {
                let schemes = ["https://": "https", "davs://": "https", "http://": "http", "dav://": "http"]
                guard let (prefix, scheme) = schemes.first(where: { text.hasPrefix($0.key) }) else { return nil }
                let rest = text.dropFirst(prefix.count)
                let slash = rest.firstIndex(of: "/") ?? rest.endIndex
                let host = rest[..<slash].lowercased()
                guard !host.isEmpty, !host.contains("@") else { return nil }
                origin = scheme + "://" + host
                path = rest[slash...]
            }
            var segments: [String] = []
            for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
                guard let segment = Self.percentDecoded(raw), !segment.isEmpty,
                      segment != ".", segment != "..", !segment.contains("/"), !segment.contains("\0") else { return nil }
                segments.append(segment)
            }
            self.segments = segments
        }

        /// `%2e%2e` → `..`; nil when an escape is malformed or not UTF-8.
        static func percentDecoded(_ text: Substring) -> String? {
            guard text.contains("%") else { return String(text) }
            var bytes: [UInt8] = []
            var iterator = text.utf8.makeIterator()
            while let byte = iterator.next() {
                guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            }
            return String(validating: bytes, as: UTF8.self)
        }

        static func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
    }
}
