import ArgumentParser
import Foundation
import PandaCore
import PandaServer

/// `panda token issue|verify|list|revoke`: mint, explain, list and revoke
/// tokens on the server host.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue, explain, list or revoke access tokens (run on the server host; uses server.signing_key and server.database).",
        subcommands: [Issue.self, Verify.self, List.self, Revoke.self])
}

extension TokenCommand {
    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new token.",
            discussion: """
                Scopes: submit (a user: submit, see and kill own jobs), pilot (one queue), factory \
                (its queues; mints pilot tokens), read (see everything), admin (everything). \
                The signing key is created (mode 0600) if it does not exist yet. The token's \
                id and claims are recorded in the server's database, so `panda token list` \
                shows it and `panda token revoke` can deny it.
                """)

        @OptionGroup var file: ConfigFileOption

        @Option(help: "Who the token is for: a user, factory or pilot name.")
        var user: String

        @Option(help: ArgumentHelp("submit, pilot, factory, read or admin.", valueName: "scope"))
        var scope: Scope

        @Option(help: ArgumentHelp("A queue the token is limited to (repeat for several; pilot and factory tokens need one).", valueName: "name"))
        var queue: [String] = []

        @Option(help: ArgumentHelp("How long it is valid, e.g. 30d or 12h.", valueName: "duration"))
        var lifetime: String = "30d"

        func validate() throws {
            if scope == .pilot, queue.count != 1 { throw ValidationError("a pilot token is for exactly one queue: give --queue once") }
            if scope == .factory, queue.isEmpty { throw ValidationError("a factory token needs its queues: give --queue for each") }
            do {
                let span = try TimeSpan(parsing: lifetime)
                if span.milliseconds < 60_000 { throw ValidationError("--lifetime must be at least 1m") }
            } catch let error as ValueParseError {
                throw ValidationError("--lifetime: \(error.message)")
            }
        }

        func run() async throws {
            let loaded = try file.load()
            let configuration = loaded.configuration
            for name in queue where configuration.queue(named: name) == nil {
                throw ValidationError("queue \(name) is not in \(loaded.files[0])")
            }
            let signer = TokenSigner(key: try SigningKey.loadOrCreate(at: configuration.server.signingKey))
            let now = Int64(Date().timeIntervalSince1970)
            let span = try TimeSpan(parsing: lifetime)
            let claims = TokenClaims(subject: user, scope: scope, queues: queue, issuedAt: now,
                                     expiresAt: now + span.milliseconds / 1000)
            let token = try signer.sign(claims)
            try await TokenDatabase.with(configuration) { store in try await store.recordToken(claims.issued) }
            print(token)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a token against this server's key and explain it.")

        @OptionGroup var file: ConfigFileOption

        @Argument(help: "The token, or - to read it from standard input.")
        var token: String

        func run() throws {
            let loaded = try file.load()
            let signer = TokenSigner(key: try SigningKey.loadOrCreate(at: loaded.configuration.server.signingKey))
            let text = token == "-" ? (readLine() ?? "") : token
            do {
                let claims = try signer.verify(text.trimmingCharacters(in: .whitespacesAndNewlines))
                let formatter = ISO8601DateFormatter()
                print("valid token")
                print("  id       \(claims.id)")
                print("  subject  \(claims.subject)")
                print("  scope    \(claims.scope.rawValue)")
                print("  queues   \(claims.queues.isEmpty ? "(any)" : claims.queues.joined(separator: ", "))")
                print("  issued   \(formatter.string(from: Date(timeIntervalSince1970: Double(claims.issuedAt))))")
                print("  expires  \(formatter.string(from: Date(timeIntervalSince1970: Double(claims.expiresAt))))")
            } catch {
                printError("invalid token: \(error)")
                throw ExitCode(1)
            }
        }
    }
}

extension Scope: ExpressibleByArgument {}
