import Foundation
import HTTPTypes
import Hummingbird
import PandaClient
import PandaConfig
import PandaCore

/// The monitor's URLs, each a page that answers HTML or, with
/// `Accept: application/json` or `?format=json`, the same data as JSON.
struct MonitorRoutes: Sendable {
    let api: PandaClient
    let auth: MonitorAuth
    let settings: MonitorSettings
    /// Browsers reach the monitor over HTTPS: its cookies say `Secure`.
    var secureCookie = false

    func register(on router: Router<BasicRequestContext>) {
        page(router, "/", OverviewPage.self)
        page(router, "/jobs", JobsPage.self)
        page(router, "/jobs/:id", JobPage.self)
        page(router, "/errors", ErrorsPage.self)
        page(router, "/queues", QueuesPage.self)
        page(router, "/queues/:id", QueuePage.self)
        page(router, "/tasks", TasksPage.self)
        page(router, "/tasks/:id", TaskPage.self)
        page(router, "/pilots", PilotsPage.self)
        page(router, "/users/:id", UserPage.self)
        page(router, "/datasets/:id", DatasetPage.self)
        router.get("/login") { request, _ in Self.formPage(request, secure: secureCookie) { Self.loginPage(problem: nil, form: $0) } }
        router.post("/login") { request, _ in try await login(request) }
        // Signing out changes the viewer's state too, so it is a form like signing in.
        router.get("/logout") { request, _ in Self.formPage(request, secure: secureCookie) { Self.logoutPage(form: $0) } }
        router.post("/logout") { request, _ in
            let fields = FormGuard.fields(String(buffer: try await request.body.collect(upTo: 4_096)))
            if let refusal = FormGuard.refusal(of: request, fields: fields) {
                return Self.html(Self.refusedPage(refusal), status: .forbidden)
            }
            var response = Self.redirect("/login")
            response.headers[.setCookie] = Viewer.clearCookie(secure: secureCookie)
            return response
        }
        router.get("/healthz") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
    }

    private func page<Page: MonitorPage>(_ router: Router<BasicRequestContext>, _ path: RouterPath, _ type: Page.Type) {
        router.get(path) { request, context in
            let json = Self.wantsJSON(request)
            let client: PandaClient
            var signedIn: String?
            switch auth {
            case .none:
                client = api
            case .token:
                guard let token = Viewer.token(of: request) else {
                    return json ? Self.jsonError(401, "sign in: send Authorization: Bearer TOKEN") : Self.redirect("/login")
                }
                client = api.authorized(by: token)
                signedIn = "signed in"
            }
            var query: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
            let parameter = context.parameters.get("id").map { $0.removingPercentEncoding ?? $0 }
            let pageRequest = PageRequest(query: query, parameter: parameter, api: client, settings: settings, now: Date().timeIntervalSince1970)
            do {
                let model = try await Page.load(pageRequest)
                if json { return Self.json(Envelope(success: true, message: "", data: model), status: .ok) }
                let (title, body) = Page.render(model, pageRequest)
                return Self.html(Layout.page(title: title, signedIn: signedIn, body: body), status: .ok)
            } catch {
                let (status, message) = Self.problem(error)
                if status == 401, auth == .token, !json { return Self.redirect("/login") }
                if json { return Self.jsonError(status, message) }
                return Self.html(Layout.page(title: "Cannot show this page", refresh: nil, signedIn: signedIn,
                                             body: "<p class=\"bad\" id=\"problem\">\(message)</p>"),
                                 status: HTTPResponse.Status(code: status))
            }
        }
    }

    /// The status and message for a failure: the server's refusal as it was
    /// (400 bad filter, 403, 404), 502 when no server answered.
    static func problem(_ error: any Error) -> (Int, String) {
        switch error {
        case let error as PageError: return (error.status, error.message)
        case ClientError.refused(let status, let message): return (status, message)
        case let error as ClientError: return (502, "the panda server did not answer: \(error)")
        default: return (500, "the monitor failed: \(error)")
        }
    }

    private func login(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 16_384)
        let fields = FormGuard.fields(String(buffer: body))
        // Checked before the token is even looked at: a cross-site post must change nothing.
        if let refusal = FormGuard.refusal(of: request, fields: fields) {
            return Self.html(Self.refusedPage(refusal), status: .forbidden)
        }
        let form = FormGuard.token(of: request).value
        guard let token = fields["token"].flatMap(Viewer.plausible) else {
            return Self.html(Self.loginPage(problem: "That is not a panda token.", form: form), status: .badRequest)
        }
        do {
            _ = try await api.authorized(by: token).liveness()
        } catch {
            return Self.html(Self.loginPage(problem: "The server refused this token: \(Self.problem(error).1)", form: form), status: .unauthorized)
        }
        var response = Self.redirect("/")
        response.headers[.setCookie] = Viewer.setCookie(token, secure: secureCookie)
        return response
    }

    /// A page holding a form: the viewer's form token goes in it, and in a
    /// cookie when the viewer has none yet.
    static func formPage(_ request: Request, secure: Bool, _ page: (String) -> HTML) -> Response {
        let form = FormGuard.token(of: request)
        var response = html(page(form.value), status: .ok)
        if form.isNew { response.headers[.setCookie] = FormGuard.setCookie(form.value, secure: secure) }
        return response
    }

    static func loginPage(problem: String?, form: String) -> HTML {
        Layout.page(title: "Sign in", refresh: nil, body: """
            \(problem.html { "<p class=\"bad\">\($0)</p>" })
            <p>Paste a panda token (from <code>panda token issue</code>, or your client's token file). It is kept in a cookie \
            this browser sends only to this monitor; you see what the token may see.</p>
            <form method="post" action="/login">\(FormGuard.hiddenField(form))<textarea name="token" rows="4" cols="80" required></textarea><br>\
            <button>Sign in</button></form>
            """)
    }

    static func logoutPage(form: String) -> HTML {
        Layout.page(title: "Sign out", refresh: nil, body: """
            <form method="post" action="/logout">\(FormGuard.hiddenField(form))<button>Sign out</button></form>
            """)
    }

    static func refusedPage(_ reason: String) -> HTML {
        Layout.page(title: "Refused", refresh: nil, body: """
            <p class="bad" id="problem">This form was not accepted: \(reason). Open <a href="/login">the sign-in page</a> of this monitor.</p>
            """)
    }

    static func wantsJSON(_ request: Request) -> Bool {
        if request.uri.queryParameters["format"] == "json" { return true }
        return request.headers[.accept]?.contains("application/json") ?? false
    }

    /// No scripts at all, no framing, no sniffing: the pages need none of it.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        // same-origin, not no-referrer: under no-referrer a browser sends
        // `Origin: null` with the monitor's own forms, which FormGuard refuses.
        HTTPField.Name("Referrer-Policy")!: "same-origin",
    ]

    static func html(_ page: HTML, status: HTTPResponse.Status) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page.markup)))
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "application/json"
        let data = (try? encoder.encode(value)) ?? Data(#"{"success":false,"message":"encoding failed","data":null}"#.utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func jsonError(_ status: Int, _ message: String) -> Response {
        json(Envelope<String>(success: false, message: message, data: nil), status: HTTPResponse.Status(code: status))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
