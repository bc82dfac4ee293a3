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
        subcommands: [Issue.self, Verify.self, List.self, Revoke.self, Initialise.self])
}

extension TokenCommand {
    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new token.",
            discussion: """
                Scopes: submit (a user: submit, see and kill own jobs), pilot (one queue), factory \
                (its queues; mints pilot tokens), read (see everything), admin (everything). \
                The signing key (server.signing_key) must exist: the server makes it at its \
                first start, and minting never makes one (a token signed by a new key would be \
                refused by the running server); `panda token init` makes one for a new \
                installation. The token's \
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
            let signer = try tokenSigner(configuration.server.signingKey)
            let now = Int64(Date().timeIntervalSince1970)
            let span = try TimeSpan(parsing: lifetime)
            let claims = TokenClaims(subject: user, scope: scope, queues: queue, issuedAt: now,
                                     expiresAt: now + span.milliseconds / 1000)
            let token = try signer.sign(claims)
            try await TokenDatabase.with(configuration) { store in try await store.recordToken(claims.issued) }
            say(token)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a token against this server's key and deny list, and explain it.",
            discussion: """
                Exit 0 only for a token the server would accept now: signed with its key, \
                within its validity and not revoked (read from the server's database). \
                Anything else is explained on standard error, with exit 1.
                """)

        @OptionGroup var file: ConfigFileOption

        @Argument(help: "The token, or - to read it from standard input.")
        var token: String

        func run() async throws {
            let configuration = try file.load().configuration
            let signer = try tokenSigner(configuration.server.signingKey)
            let text = token == "-" ? (readLine() ?? "") : token
            let claims: TokenClaims
            do {
                claims = try signer.verify(text.trimmingCharacters(in: .whitespacesAndNewlines))
            } catch {
                printError("invalid token: \(error)")
                throw ExitCode(1)
            }
            let now = Date().timeIntervalSince1970
            let revoked = try await TokenDatabase.with(configuration) { store in
                try await store.revokedTokens(since: 0, now: now).first { $0.id == claims.id }
            }
            let formatter = ISO8601DateFormatter()
            if let revoked {
                printError("invalid token: token \(claims.id) was revoked at "
                           + formatter.string(from: Date(timeIntervalSince1970: revoked.revokedAt)))
                throw ExitCode(1)
            }
            say("valid token")
            say("  id       \(claims.id)")
            say("  subject  \(TerminalText.escaped(claims.subject))")
            say("  scope    \(claims.scope.rawValue)")
            say("  queues   \(claims.queues.isEmpty ? "(any)" : TerminalText.escaped(claims.queues.joined(separator: ", ")))")
            say("  issued   \(formatter.string(from: Date(timeIntervalSince1970: Double(claims.issuedAt))))")
            say("  expires  \(formatter.string(from: Date(timeIntervalSince1970: Double(claims.expiresAt))))")
        }
    }

    /// `panda token init`: the one way besides the server's first start to
    /// make a signing key, so a new key is always a decision.
    struct Initialise: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Make the server's signing key (server.signing_key, mode 0600) before its first start.",
            discussion: """
                Refuses when the key exists: a new key would invalidate every token the old \
                one signed. The server makes the key at its first start anyway; this is for \
                minting tokens before that.
                """)

        @OptionGroup var file: ConfigFileOption

        func run() throws {
            let path = try file.load().configuration.server.signingKey
            do {
                _ = try SigningKey.create(at: path)
            } catch {
                printError("panda: \(error)")
                throw ExitCode(1)
            }
            say("made signing key \(path)")
        }
    }
}

/// A signer over the existing signing key, or exit 1 with what is wrong:
/// minting and checking never make a key.
func tokenSigner(_ path: String) throws -> TokenSigner {
    do {
        return TokenSigner(key: try SigningKey.load(at: path))
    } catch {
        printError("panda: \(error)")
        throw ExitCode(1)
    }
}

extension Scope: ExpressibleByArgument {}
