import PandaClient
import PandaCore

/// Holds a recovery manifest's destinations to the server's storage
/// endpoints: each file must go to a writable endpoint, by name, at exactly
/// the URL the pilot itself would have built for it there (endpoint URL,
/// scope, file name). A planted or altered manifest therefore cannot make
/// the pilot upload anywhere else.
///
/// ```swift
/// let check = RecoveryManifestCheck(endpoints: try await client.storageEndpoints())
/// if let problem = check.problem(with: entry) { refuse(problem) }
/// ```
struct RecoveryManifestCheck {
    /// Writable endpoint name → its URL.
    let writable: [String: String]

    init(endpoints: [StorageEndpointInfo]) {
        var writable: [String: String] = [:]
        for endpoint in endpoints where !endpoint.readOnly { writable[endpoint.name] = endpoint.url }
        self.writable = writable
    }

    func problem(with entry: RecoveryArea.Entry) -> String? {
        for file in entry.files {
            guard let name = file.storage, let base = writable[name] else {
                return "\(file.lfn) names storage '\(file.storage ?? "")', which is not a writable endpoint of the server"
            }
            let scope = file.scope ?? OutputPlan.defaultScope
            guard RecoveryArea.isPlainName(scope) else { return "\(file.lfn) has scope '\(scope)', which is not a plain name" }
            guard let expected = try? StorageLocation.url(under: base, scope, file.lfn) else {
                return "\(file.lfn) in scope '\(scope)' is not a path under \(name)"
            }
            guard file.url == expected else {
                return "\(file.lfn) would go to \(file.url), but on \(name) it belongs at \(expected)"
            }
        }
        return nil
    }
}
