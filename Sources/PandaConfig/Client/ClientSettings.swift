import Foundation
import PandaCore

/// The user's client settings, `~/.config/panda/client.yaml`: where the
/// server is, the token, and defaults for what `panda submit` leaves open.
///
/// ```yaml
/// server: https://panda.example.org:25443     # or a list, tried in order
/// token_file: ~/.config/panda/token           # or token: eyJ...
/// ca_file: /etc/grid-security/certificates/panda-ca.pem
/// defaults: { queue: BNL_PROD, memory: 2GB, walltime: 2h, files_per_job: 5, storage: BNL_DATADISK }
/// ```
public struct ClientSettings: Sendable, Equatable {
    public var servers: [String] = []
    public var token: String?
    public var tokenFile: String?
    public var caFile: String?
    public var defaults = SubmitDefaults()

    public init() {}

    /// `$PANDA_CLIENT_CONFIG`, else `$XDG_CONFIG_HOME/panda/client.yaml`, else `~/.config/panda/client.yaml`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let path = environment["PANDA_CLIENT_CONFIG"], !path.isEmpty { return path }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return base + "/panda/client.yaml"
    }

    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigLoadError) -> ClientSettings {
        try SingleFileLoader(environment: environment).load(path: path, what: "client.yaml") { r, _ in
            var settings = ClientSettings()
            settings.servers = r.list("server")
            if let bad = settings.servers.first(where: { !$0.hasPrefix("http://") && !$0.hasPrefix("https://") }),
               let node = r.node("server") {
                r.context.diagnostics.error(node.node.mark, node.path, "'\(bad)' is not an http:// or https:// URL")
            }
            settings.token = r.value("token")
            settings.tokenFile = r.value("token_file").map { Self.expandHome($0, environment) }
                .map { ConfigReader.resolve($0, nextTo: path) }
            settings.caFile = r.value("ca_file").map { Self.expandHome($0, environment) }.map { ConfigReader.resolve($0, nextTo: path) }
            settings.defaults = SubmitDefaults(reading: r.section("defaults"))
            r.finish()
            return settings
        }
    }

    static func expandHome(_ path: String, _ environment: [String: String]) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return (environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst()
    }
}

/// What `panda submit` uses when neither the task nor a flag says.
public struct SubmitDefaults: Sendable, Equatable {
    public var queue: String?
    public var cores: Int?
    public var memory: ByteCount?
    public var walltime: TimeSpan?
    public var maxAttempts: Int?
    public var priority: Int?
    public var filesPerJob: Int?
    public var scope: String?
    /// The storage endpoint `panda dataset add` registers at.
    public var storage: String?

    public init() {}

    init(reading r: ConfigReader) {
        queue = r.value("queue")
        cores = r.value("cores", in: 1...1024)
        memory = r.value("memory")
        walltime = r.value("walltime")
        maxAttempts = r.value("max_attempts", in: 1...100)
        priority = r.value("priority")
        filesPerJob = r.value("files_per_job", in: 1...100_000)
        scope = r.value("scope")
        storage = r.value("storage")
        r.finish()
    }
}
