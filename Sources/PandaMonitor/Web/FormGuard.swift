import Foundation
import HTTPTypes
import Hummingbird
import PandaCore

/// Keeps other sites from submitting the monitor's forms (sign in, sign
/// out) in a viewer's browser: a POST must come from this monitor's own
/// origin, when the browser says where it comes from, and must carry the
/// form token that only this monitor's pages hold (double submit: the same
/// random value in an HttpOnly, SameSite=Strict cookie and a hidden field).
///
/// ```swift
/// let form = FormGuard.token(of: request)           // put form.value in a hidden field
/// if let refusal = FormGuard.refusal(of: request, fields: fields) { ... 403 ... }
/// ```
/// Without it, a page on evil.example could post its own token to
/// `/login` and have the victim browse (and act) as the attacker.
enum FormGuard {
    static let cookie = "panda_form"
    static let field = "form_token"

    /// The viewer's form token: from its cookie when it has a plausible one,
    /// else a new one the response must set.
    static func token(of request: Request) -> (value: String, isNew: Bool) {
        if let value = request.cookies[cookie]?.value, plausible(value) { return (value, false) }
        return (RandomHex.make(bits: 128), true)
    }

    /// `secure` when browsers reach the monitor over HTTPS (as the sign-in cookie).
    static func setCookie(_ value: String, secure: Bool) -> String {
        "\(cookie)=\(value); Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    static func hiddenField(_ value: String) -> HTML {
        "<input type=\"hidden\" name=\"\(field)\" value=\"\(value)\">"
    }

    /// Why this state-changing request is refused, or nil to let it through.
    static func refusal(of request: Request, fields: [String: String]) -> String? {
        if let origin = request.headers[.origin] {
            guard sameOrigin(origin, as: request) else { return "it came from \(origin.prefix(80)), not from this monitor's own page" }
        } else if let referer = request.headers[.referer], !sameOrigin(referer, as: request) {
            return "it came from another site's page"
        }
        guard let expected = request.cookies[cookie]?.value, plausible(expected), let sent = fields[field],
              constantTimeEqual(Array(expected.utf8), Array(sent.utf8))
        else { return "it does not carry this monitor's form token (reload the page and try again)" }
        return nil
    }

    /// Whether `url` (an Origin or a Referer) names the host and port this
    /// request was sent to. `null`, an unparsable URL or another host is not.
    static func sameOrigin(_ url: String, as request: Request) -> Bool {
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host?.lowercased(),
              let authority = request.head.authority
        else { return false }
        let defaultPort = scheme == "https" ? 443 : 80
        let (ownHost, ownPort) = split(authority, defaultPort: defaultPort)
        return host == ownHost && (parsed.port ?? defaultPort) == ownPort
    }

    private static func split(_ authority: String, defaultPort: Int) -> (String, Int) {
        let lowered = authority.lowercased()
        // [::1]:8080, host:8080, host
        if let close = lowered.lastIndex(of: "]") {
            let host = String(lowered[lowered.startIndex...close]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let rest = lowered[lowered.index(after: close)...]
            return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) ?? -1 : defaultPort)
        }
        let parts = lowered.split(separator: ":", maxSplits: 1)
        return (String(parts.first ?? ""), parts.count == 2 ? Int(parts[1]) ?? -1 : defaultPort)
    }

    private static func plausible(_ value: String) -> Bool {
        value.utf8.count == 32 && value.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The fields of an `application/x-www-form-urlencoded` body; at most
    /// a few, since the monitor's forms have two.
    static func fields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&").prefix(16) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let key = parts[0].removingPercentEncoding, fields[key] == nil else { continue }
            fields[key] = String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return fields
    }
}
