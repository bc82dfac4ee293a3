import Hummingbird
import Logging
import PandaCore
import PandaStore

/// Outermost middleware: whatever goes wrong, the client gets the JSON
/// envelope with a status, never an HTML page or a dropped connection. Also
/// counts requests by route and status for /metrics.
struct ErrorEnvelopeMiddleware: RouterMiddleware {
    typealias Context = PandaRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let route = request.uri.path
        do {
            let response = try await next(request, context)
            metrics.countRequest(route: route, status: response.status.code)
            return response
        } catch let error as APIError {
            metrics.countRequest(route: route, status: error.status.code)
            log(error, route: route, context: context)
            throw error
        } catch let error as StoreError {
            let api = APIError(error)
            metrics.countRequest(route: route, status: api.status.code)
            log(api, route: route, context: context)
            throw api
        } catch let error as HTTPError {
            if error.status == .notFound, let allowed = Self.methods(for: route) {
                metrics.countRequest(route: route, status: 405)
                var refusal = APIError(.methodNotAllowed, "\(request.method) is not allowed on \(route); use \(allowed)")
                refusal.headers[.allow] = allowed
                throw refusal
            }
            metrics.countRequest(route: route, status: error.status.code)
            let message = error.status == .notFound ? "no such endpoint: \(request.method) \(route)" : (error.body ?? error.status.reasonPhrase)
            throw APIError(error.status, message)
        } catch {
            metrics.countRequest(route: route, status: 500)
            let api = APIError.internalFailure(.internalServerError, "internal error", detail: "request failed: \(error)")
            log(api, route: route, context: context)
            throw api
        }
    }

    /// A failure of the server's own is logged with its text and request id
    /// (wherever it was turned into an APIError); the client sees the id only.
    private func log(_ error: APIError, route: String, context: Context) {
        guard let id = error.requestID, let detail = error.internalDetail else { return }
        context.logger.error("\(detail)", metadata: ["route": "\(route)", "request_id": "\(id)"])
    }

    /// The methods a known path answers, for 405's `Allow`; nil for an unknown path.
    static func methods(for path: String) -> String? {
        let methods = APIRoutes.all.filter { $0.path == path }.map(\.method)
        return methods.isEmpty ? nil : methods.joined(separator: ", ")
    }
}
