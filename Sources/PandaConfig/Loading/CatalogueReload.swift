/// Reading the site and queue catalogue again while a role runs (SIGHUP,
/// `systemctl reload`), for the server and the factory alike.
///
/// ```swift
/// switch CatalogueReload(path: "/etc/panda/panda.yaml").reload(keeping: running) {
/// case .applied(let configuration, let notes): swap(configuration); notes.forEach { log.notice($0) }
/// case .refused(let problems): problems.forEach { log.error($0) }   // keep running
/// }
/// ```
/// Only `sites` (storage endpoints and queues) change on reload. The role
/// sections (listen address, database, signing key, limits, factory state...)
/// are bound to sockets and files opened at start, so a reload keeps the
/// running values and says which of them changed and need a restart. A file
/// with any error is refused as a whole: the running configuration stays.
public struct CatalogueReload: Sendable {
    public let path: String
    public let loader: ConfigLoader

    public init(path: String, loader: ConfigLoader = ConfigLoader()) {
        self.path = path
        self.loader = loader
    }

    public enum Outcome: Sendable {
        /// The configuration to use from now on, and what to tell the operator.
        case applied(PandaConfiguration, notes: [String])
        /// Every problem, one line each (FILE:LINE:COLUMN: KEY.PATH: message).
        case refused([String])
    }

    public func reload(keeping running: PandaConfiguration) -> Outcome {
        let loaded: LoadedConfiguration
        do {
            loaded = try loader.load(path: path)
        } catch {
            switch error {
            case .unreadable(let path, let reason): return .refused(["\(path): cannot read: \(reason)"])
            case .invalid(let diagnostics): return .refused(diagnostics.map(\.description))
            }
        }
        var next = running
        next.sites = loaded.configuration.sites
        var notes = [Self.changes(from: running, to: next)]
        for (section, changed) in [
            ("server", loaded.configuration.server != running.server), ("factory", loaded.configuration.factory != running.factory),
            ("pilot", loaded.configuration.pilot != running.pilot), ("monitor", loaded.configuration.monitor != running.monitor),
        ] where changed {
            notes.append("the \(section): section changed in \(path); it applies at the next restart, not on reload")
        }
        return .applied(next, notes: notes)
    }

    /// One line: which queues and storage endpoints came, went or changed.
    static func changes(from old: PandaConfiguration, to new: PandaConfiguration) -> String {
        let before = Dictionary(old.queues.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.queues.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let added = after.keys.filter { before[$0] == nil }.sorted()
        let removed = before.keys.filter { after[$0] == nil }.sorted()
        let changed = after.keys.filter { before[$0] != nil && before[$0] != after[$0] }.sorted()
        let endpoints = old.storageEndpoints != new.storageEndpoints ? "; storage endpoints changed" : ""
        func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }
        return "catalogue reloaded: \(after.count) queue(s); added \(list(added)); removed \(list(removed)); changed \(list(changed))\(endpoints)"
    }
}
