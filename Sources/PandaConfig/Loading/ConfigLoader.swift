import Foundation

/// Reads and checks a panda configuration: the main file, its includes,
/// environment expansion, templates, and every cross-reference.
///
/// ```swift
/// do {
///     let loaded = try ConfigLoader().load(path: "/etc/panda/panda.yaml")
///     print(loaded.configuration.queues.count)
/// } catch .invalid(let problems) {
///     problems.forEach { print($0) }        // FILE:LINE:COLUMN: KEY.PATH: message
/// }
/// ```
public struct ConfigLoader: Sendable {
    /// Where `panda` looks when neither `-c` nor `PANDA_CONFIG` says.
    public static let defaultPath = "/etc/panda/panda.yaml"

    public let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The file a command should read: `-c`, else `PANDA_CONFIG`, else the default.
    public func path(given: String?) -> String {
        given ?? environment["PANDA_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultPath
    }

    public func load(path: String) throws(ConfigLoadError) -> LoadedConfiguration {
        let diagnostics = DiagnosticLog()
        let documents: [ConfigDocument]
        do {
            documents = try DocumentLoader(environment: environment, diagnostics: diagnostics).load(main: path)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        let context = DecodeContext(diagnostics: diagnostics)
        let configuration = ConfigurationBuilder(documents: documents, context: context).build()
        CrossChecks(configuration: configuration, context: context).run()
        guard diagnostics.isEmpty else { throw .invalid(diagnostics.sorted) }
        return LoadedConfiguration(configuration: configuration, origins: context.origins, files: diagnostics.fileOrder)
    }
}

/// Why a configuration was not loaded.
public enum ConfigLoadError: Error, Sendable {
    /// The main file could not be read at all (`config check` exits 2).
    case unreadable(path: String, reason: String)
    /// It was read, and these problems were found (`config check` exits 1).
    case invalid([ConfigDiagnostic])
}

/// A valid configuration with where each value came from.
public struct LoadedConfiguration: Sendable {
    public let configuration: PandaConfiguration
    /// Origins by resolved key path (`server.listen`, `sites.S.queues.Q.maxrss`);
    /// a path that is missing took its default.
    public let origins: [String: ValueOrigin]
    /// Every file read, the main one first.
    public let files: [String]

    public func origin(of path: String) -> ValueOrigin { origins[path] ?? .default }
}
