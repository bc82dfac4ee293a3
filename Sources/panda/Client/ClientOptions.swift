import ArgumentParser
import Foundation
import PandaClient
import PandaConfig
import PandaCore

/// Options every user command shares: where the server is, who is asking,
/// and how to answer. Flags win over `PANDA_URL`/`PANDA_TOKEN`, which win
/// over client.yaml.
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The panda server (default: $PANDA_URL, else `server` in client.yaml).", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("The token (default: $PANDA_TOKEN, else `token`/`token_file` in client.yaml).", valueName: "token"))
    var token: String?

    @Flag(help: "Print JSON for scripts instead of text for people.")
    var json = false

    @Flag(name: .shortAndLong, help: "Say more, such as the HTTP status of a refusal.")
    var verbose = false

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// client.yaml, or empty settings when there is none at the default place.
    func settings() throws -> ClientSettings {
        let path = ClientSettings.defaultPath(environment: environment)
        let explicit = environment["PANDA_CLIENT_CONFIG"].map { !$0.isEmpty } ?? false
        guard explicit || FileManager.default.fileExists(atPath: path) else { return ClientSettings() }
        do {
            return try ClientSettings.load(path: path, environment: environment)
        } catch .unreadable(let path, let reason) {
            printError("panda: cannot read \(path): \(reason)")
            throw ExitCode(2)
        } catch .invalid(let diagnostics) {
            diagnostics.forEach { printError($0.description) }
            throw ExitCode(2)
        }
    }

    func client(_ settings: ClientSettings) throws -> PandaClient {
        let servers = server.map { [$0] } ?? environment["PANDA_URL"].flatMap { $0.isEmpty ? nil : $0.split(separator: ",").map(String.init) }
            ?? settings.servers
        guard !servers.isEmpty else {
            printError("panda: no server: give --server, set PANDA_URL, or write `server:` in \(ClientSettings.defaultPath(environment: environment))")
            throw ExitCode(2)
        }
        return PandaClient(servers: servers, token: try resolvedToken(settings),
                           settings: HTTPSettings(connectTimeout: .seconds(5), timeout: .minutes(5), caFile: settings.caFile),
                           retry: RetryPolicy(rounds: 3, firstDelay: .seconds(1), maxDelay: .seconds(5)))
    }

    func resolvedToken(_ settings: ClientSettings) throws -> String {
        if let token = token ?? environment["PANDA_TOKEN"].flatMap({ $0.isEmpty ? nil : $0 }) ?? settings.token { return token }
        if let file = settings.tokenFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                printError("panda: cannot read the token file \(file) (token_file in client.yaml)")
                throw ExitCode(2)
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        printError("panda: no token: give --token, set PANDA_TOKEN, or write `token_file:` in client.yaml "
                   + "(an operator makes one with `panda token issue --user NAME --scope submit`)")
        throw ExitCode(2)
    }

    /// Runs a call; a failure is one readable line on stderr and exit 1.
    func call<T>(_ body: () async throws(ClientError) -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            let status = error.status.map { " (HTTP \($0))" } ?? ""
            printError("panda: \(error.description)\(verbose ? status : "")")
            throw ExitCode(1)
        }
    }

    /// Prints a value as indented JSON.
    func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))  // JSON escapes its own control characters
    }
}

/// The subject a token names, read from its payload without verifying it
/// (the server does that): what `--mine` filters on.
func tokenSubject(_ token: String) -> String? {
    let parts = token.split(separator: ".")
    guard parts.count == 3 else { return nil }
    var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    guard let data = Data(base64Encoded: base64),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
    return object["sub"] as? String
}
