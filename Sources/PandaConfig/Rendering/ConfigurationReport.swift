import Foundation

/// What `panda config show` prints: every resolved value with where it came
/// from, as an aligned table for people or as JSON for programs.
///
/// ```swift
/// let report = ConfigurationReport(loaded)
/// print(try report.text(queue: "BNL_PROD"))
/// ```
/// The JSON holds the configuration in the same form the YAML is written in
/// (sizes and durations with units), so it reads back into a
/// `PandaConfiguration` through `Codable`, and an `origins` map from each
/// value's key path to its origin.
public struct ConfigurationReport {
    public let loaded: LoadedConfiguration

    public init(_ loaded: LoadedConfiguration) {
        self.loaded = loaded
    }

    public func json(queue name: String? = nil) throws(ConfigReportError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            if let name {
                let queue = try self.queue(named: name)
                let prefix = "sites.\(queue.site).queues.\(queue.name)"
                let origins = try originMap(of: queue, prefix: prefix)
                let data = try encoder.encode(QueueReport(queue: queue, origins: origins))
                return String(decoding: data, as: UTF8.self)
            }
            let origins = try originMap(of: loaded.configuration, prefix: "")
            let data = try encoder.encode(WholeReport(configuration: loaded.configuration, origins: origins, files: loaded.files))
            return String(decoding: data, as: UTF8.self)
        } catch let error as ConfigReportError {
            throw error
        } catch {
            throw .encoding(error.localizedDescription)
        }
    }

    public func text(queue name: String? = nil) throws(ConfigReportError) -> String {
        var groups: [(title: String, rows: [(String, String, String)])] = []
        do {
            if let name {
                let queue = try self.queue(named: name)
                groups.append(("queue \(queue.name) (site \(queue.site))", try rows(of: queue, prefix: "sites.\(queue.site).queues.\(queue.name)")))
            } else {
                let configuration = loaded.configuration
                groups.append(("server", try rows(of: configuration.server, prefix: "server")))
                groups.append(("factory", try rows(of: configuration.factory, prefix: "factory")))
                groups.append(("pilot", try rows(of: configuration.pilot, prefix: "pilot")))
                groups.append(("monitor", try rows(of: configuration.monitor, prefix: "monitor")))
                for endpoint in configuration.storageEndpoints {
                    groups.append(("storage \(endpoint.name) (site \(endpoint.site))",
                                   try rows(of: endpoint, prefix: "sites.\(endpoint.site).storage.\(endpoint.name)")))
                }
                for queue in configuration.queues {
                    groups.append(("queue \(queue.name) (site \(queue.site))",
                                   try rows(of: queue, prefix: "sites.\(queue.site).queues.\(queue.name)")))
                }
            }
        } catch let error as ConfigReportError {
            throw error
        } catch {
            throw .encoding(error.localizedDescription)
        }
        let keyWidth = groups.flatMap(\.rows).map(\.0.count).max() ?? 0
        let valueWidth = min(48, groups.flatMap(\.rows).map(\.1.count).max() ?? 0)
        var out = ""
        for group in groups {
            out += group.title + "\n"
            for (key, value, origin) in group.rows {
                out += "  " + key.padding(toLength: keyWidth, withPad: " ", startingAt: 0)
                out += "  " + value.padding(toLength: max(valueWidth, value.count), withPad: " ", startingAt: 0)
                out += "  " + origin + "\n"
            }
        }
        return out
    }

    // MARK: Internals

    private func queue(named name: String) throws(ConfigReportError) -> QueueConfig {
        guard let queue = loaded.configuration.queue(named: name) else {
            let names = loaded.configuration.queues.map(\.name)
            throw .unknownQueue(name, suggestion: Suggestion.nearest(to: name, in: names))
        }
        return queue
    }

    /// Rows of (key relative to the group, value, origin), leaving out the
    /// name and site the group's title already says.
    private func rows(of value: some Encodable, prefix: String) throws -> [(String, String, String)] {
        try leaves(of: value).compactMap { path, leaf in
            guard path != "name", path != "site" else { return nil }
            return (path, leaf.text, origin(of: KeyPathText.join(prefix, path)).description)
        }
    }

    private func originMap(of value: some Encodable, prefix: String) throws -> [String: String] {
        var map: [String: String] = [:]
        for (path, _) in try leaves(of: value) {
            map[path] = origin(of: KeyPathText.join(prefix, path)).description
        }
        return map
    }

    private func leaves(of value: some Encodable) throws -> [(path: String, value: JSONValue)] {
        let data = try JSONEncoder().encode(value)
        return try JSONDecoder().decode(JSONValue.self, from: data).leaves()
    }

    /// A value's own origin, or that of the nearest enclosing value that has
    /// one (an entry of a written `environment:` map, say).
    private func origin(of path: String) -> ValueOrigin {
        var current = path
        while true {
            if let origin = loaded.origins[current] { return origin }
            guard let dot = current.lastIndex(of: ".") else { return .default }
            current = String(current[..<dot])
        }
    }
}

/// The JSON of `config show --json`.
public struct WholeReport: Codable {
    public let configuration: PandaConfiguration
    public let origins: [String: String]
    public let files: [String]
}

/// The JSON of `config show --json --queue NAME`.
public struct QueueReport: Codable {
    public let queue: QueueConfig
    public let origins: [String: String]
}

public enum ConfigReportError: Error, CustomStringConvertible {
    case unknownQueue(String, suggestion: String?)
    case encoding(String)

    public var description: String {
        switch self {
        case .unknownQueue(let name, let suggestion):
            return "no queue named '\(name)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
        case .encoding(let reason):
            return "cannot encode the configuration: \(reason)"
        }
    }
}
