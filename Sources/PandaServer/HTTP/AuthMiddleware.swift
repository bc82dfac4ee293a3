import Foundation
import Hummingbird

/// Checks the bearer token of every request under /api/ and puts its claims
/// in the context; what each route allows is decided by the route.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = PandaRequestContext
    let tokens: VerifiedTokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/") else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError.unauthorized("missing 'Authorization: Bearer TOKEN' header")
        }
        var context = context
        do {
            // Plain slicing: Foundation's trimming cost a few percent of every request.
            let token = header.utf8.dropFirst("Bearer ".count).drop { $0 == UInt8(ascii: " ") }
            context.identity = try tokens.claims(for: String(Substring(token)))
        } catch {
            throw APIError.unauthorized(error.description)
        }
        return try await next(request, context)
    }
}

extension PandaRequestContext {
    /// The caller's claims, which one of `scopes` must grant.
    func require(_ scopes: Scope...) throws -> TokenClaims {
        guard let identity else { throw APIError.unauthorized("no token") }
        guard scopes.contains(identity.scope) || identity.scope == .admin else {
            let needed = scopes.map(\.rawValue).joined(separator: " or ")
            throw APIError.forbidden("this needs a token with scope \(needed); yours has \(identity.scope.rawValue)")
        }
        return identity
    }
}
