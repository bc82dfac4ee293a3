import Foundation
import Hummingbird

/// Who is looking, and the token the monitor calls the server with for
/// them: with `auth: none` the monitor's own credential, with `auth: token`
/// the token the viewer pasted (kept in an HttpOnly, SameSite=Strict
/// cookie) or sent as `Authorization: Bearer` by a script.
enum Viewer {
    static let cookie = "panda_token"
    /// A week: tokens usually expire sooner, and the server refuses them then.
    static let cookieLifetime = 7 * 86_400

    /// The token of this request, if it carries a plausible one.
    static func token(of request: Request) -> String? {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            return plausible(String(header.dropFirst(7)))
        }
        return request.cookies[cookie].flatMap { plausible($0.value) }
    }

    /// A JWT's alphabet and a sane length, before it goes into a header.
    static func plausible(_ token: String) -> String? {
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (16...4096).contains(trimmed.utf8.count),
              trimmed.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0) })
        else { return nil }
        return trimmed
    }

    /// `secure` when browsers reach the monitor over HTTPS, so the token is never sent in clear.
    static func setCookie(_ token: String, secure: Bool) -> String {
        "\(cookie)=\(token); Path=/; Max-Age=\(cookieLifetime); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    static func clearCookie(secure: Bool) -> String {
        "\(cookie)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }
}
