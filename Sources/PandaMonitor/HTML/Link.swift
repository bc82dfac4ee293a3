import Foundation

/// The monitor's URLs, built in one place: path segments and query values
/// percent-encoded, so a hostile name cannot leave its segment, and every
/// link starts with `/`.
///
/// ```swift
/// Link.jobs(["queue": "Q1", "state": "failed"])   // "/jobs?queue=Q1&state=failed"
/// Link.user("jdoe")                              // "/users/jdoe"
/// ```
enum Link {
    /// The query keys of the job list, in the order its URLs show them.
    static let jobKeys = ["state", "queue", "site", "owner", "task", "name", "error", "since", "until", "sort", "limit"]

    static func jobs(_ filters: [String: String]) -> String {
        let pairs = jobKeys.compactMap { key in filters[key].flatMap { $0.isEmpty ? nil : (key, $0) } }
        return "/jobs" + query(pairs)
    }

    static func job(_ id: Int64) -> String { "/jobs/\(id)" }
    static func task(_ id: Int64) -> String { "/tasks/\(id)" }
    static func queue(_ name: String) -> String { "/queues/" + segment(name) }
    static func user(_ name: String) -> String { "/users/" + segment(name) }
    static func dataset(_ name: String) -> String { "/datasets/" + segment(name) }
    static func errors(_ filters: [(String, String)]) -> String { "/errors" + query(filters) }
    static func pilots(_ filters: [String: String]) -> String {
        "/pilots" + query(["queue", "state"].compactMap { key in filters[key].map { (key, $0) } })
    }

    static func query(_ pairs: [(String, String)]) -> String {
        pairs.isEmpty ? "" : "?" + pairs.map { "\($0.0)=\(value($0.1))" }.joined(separator: "&")
    }

    static func value(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~*"))) ?? ""
    }

    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~:@"))) ?? ""
    }
}
