import Foundation
import PandaClient
import PandaConfig
import PandaCore

/// What a page needs to load: the query string, the path's parameter, the
/// server client authorized as the viewer, and the monitor's settings.
struct PageRequest: Sendable {
    let query: [String: String]
    let parameter: String?
    let api: PandaClient
    let settings: MonitorSettings
    let now: Double

    func text(_ key: String) -> String? {
        guard let value = query[key], !value.isEmpty else { return nil }
        return value
    }

    /// The query pairs of `keys` present in this request, in that order.
    func pairs(_ keys: [String]) -> [(String, String)] {
        keys.compactMap { key in text(key).map { (key, $0) } }
    }
}

/// The monitor's configuration as its pages use it.
struct MonitorSettings: Sendable {
    let pageSize: Int
    /// The queues of the configuration the monitor was started with, if it has them.
    let queues: [QueueConfig]
    let logs: JobLogReader
}

/// A page of the monitor: its data as a Codable model (which is also its
/// JSON), and its HTML drawn from that same model, so both show the same numbers.
protocol MonitorPage {
    associatedtype Model: Codable & Sendable
    static func load(_ request: PageRequest) async throws -> Model
    static func render(_ model: Model, _ request: PageRequest) -> (title: String, body: HTML)
}

/// A page the viewer asked for that cannot be shown (404, a bad filter).
struct PageError: Error {
    let status: Int
    let message: String
}
