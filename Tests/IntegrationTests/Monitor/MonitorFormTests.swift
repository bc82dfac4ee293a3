import Foundation
import Testing

/// The monitor's forms against another site posting them in a viewer's
/// browser (login CSRF): only a post from the monitor's own origin, with
/// the form token its own page gave, changes anything.
@Suite("panda monitor: cross-site form posts")
struct MonitorFormTests {
    @Test("a cross-site POST /login (Origin evil.example, or without the form token) signs nobody in")
    func crossSiteLogin() async throws {
        let setup = try MonitorSetup(auth: "token")
        defer { setup.stop() }
        try setup.startMonitor()
        let attacker = try setup.server.token("mallory", scope: "submit")
        func signsIn(_ reply: (status: Int, body: String, headers: String)) -> Bool {
            reply.headers.lowercased().range(of: "set-cookie: panda_token=[^;\\s]", options: .regularExpression) != nil
        }
        let evil = try setup.fetch("/login", ["--data-urlencode", "token=\(attacker)", "-H", "Origin: http://evil.example"])
        #expect(evil.status == 403 && !signsIn(evil), "\(evil.status) \(evil.headers)")
        // Even with a form token the attacker fetched for itself, the origin decides.
        let evilWithToken = try setup.signIn(attacker, origin: "http://evil.example")
        #expect(evilWithToken.status == 403 && !signsIn(evilWithToken), "\(evilWithToken.status) \(evilWithToken.headers)")
        let nullOrigin = try setup.signIn(attacker, origin: "null")
        #expect(nullOrigin.status == 403 && !signsIn(nullOrigin))
        let referer = try setup.fetch("/login", ["--data-urlencode", "token=\(attacker)", "-H", "Referer: http://evil.example/page"])
        #expect(referer.status == 403 && !signsIn(referer))
        // No Origin at all (an old browser, a script): the form token is what is missing.
        let bare = try setup.fetch("/login", ["--data-urlencode", "token=\(attacker)"])
        #expect(bare.status == 403 && !signsIn(bare), "\(bare.status) \(bare.headers)")
        let noToken = try setup.signIn(attacker, origin: setup.url, formToken: false)
        #expect(noToken.status == 403 && !signsIn(noToken))

        let own = try setup.signIn(attacker, origin: setup.url)
        #expect(own.status == 303 && signsIn(own), "\(own.status) \(own.headers)")
        let noOrigin = try setup.signIn(attacker)
        #expect(noOrigin.status == 303 && signsIn(noOrigin), "the form token alone suffices without an Origin")
    }

    @Test("signing out is a form too: GET /logout changes nothing, a cross-site POST /logout is refused")
    func logout() async throws {
        let setup = try MonitorSetup(auth: "token")
        defer { setup.stop() }
        try setup.startMonitor()
        let page = try setup.fetch("/logout")
        #expect(page.status == 200 && !page.headers.lowercased().contains("panda_token="))
        #expect(page.body.contains(#"<form method="post" action="/logout">"#))
        let evil = try setup.fetch("/logout", ["-X", "POST", "-H", "Origin: http://evil.example"])
        #expect(evil.status == 403 && !evil.headers.lowercased().contains("panda_token="))
        #expect(page.headers.lowercased().contains("referrer-policy: same-origin"))
    }
}
