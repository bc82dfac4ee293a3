import Hummingbird
import Synchronization

/// Sheds pilot load before the store drowns: past a number of requests
/// waiting on the store, pilots get 429 with Retry-After and come back later,
/// instead of every request slowing down together.
final class LoadShedder: Sendable {
    private let inFlight = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func admit(_ body: () async throws -> Response) async throws -> Response {
        let waiting = inFlight.wrappingAdd(1, ordering: .relaxed).newValue
        defer { inFlight.wrappingSubtract(1, ordering: .relaxed) }
        guard waiting <= limit else {
            var error = APIError(.tooManyRequests, "the server is busy; retry after a second")
            error.headers[.retryAfter] = "1"
            throw error
        }
        return try await body()
    }
}
