import ArgumentParser
import Foundation
import Logging
import PandaConfig
import PandaCore
import PandaServer
import PandaStore

extension TokenCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the tokens this server issued that are still valid (id, subject, scope, queues, expiry).")

        @OptionGroup var file: ConfigFileOption

        @Flag(help: "Also list expired and revoked tokens (kept a week after they expire).")
        var all = false

        @Option(help: "Show at most this many, newest first.")
        var limit = 1000

        func run() async throws {
            let configuration = try file.load().configuration
            let now = Date().timeIntervalSince1970
            let tokens = try await TokenDatabase.with(configuration) { store in
                try await store.issuedTokens(includeEnded: all, now: now, limit: max(1, limit))
            }
            let formatter = ISO8601DateFormatter()
            say(["ID".padding(toLength: 17, withPad: " ", startingAt: 0), "SUBJECT".padding(toLength: 20, withPad: " ", startingAt: 0),
                   "SCOPE  ", "EXPIRES".padding(toLength: 21, withPad: " ", startingAt: 0), "QUEUES / STATE"].joined(separator: " "))
            for token in tokens {
                let state: String
                if let revoked = token.revokedAt {
                    state = "revoked \(formatter.string(from: Date(timeIntervalSince1970: revoked)))"
                } else if Double(token.expiresAt) <= now {
                    state = "expired"
                } else {
                    state = token.queues.isEmpty ? "-" : token.queues.joined(separator: ",")
                }
                let subject = token.subject.isEmpty ? "(not recorded)" : TerminalText.escaped(token.subject)
                say([token.id.padding(toLength: 17, withPad: " ", startingAt: 0), subject.padding(toLength: 20, withPad: " ", startingAt: 0),
                       token.scope.padding(toLength: 7, withPad: " ", startingAt: 0),
                       formatter.string(from: Date(timeIntervalSince1970: Double(token.expiresAt))).padding(toLength: 21, withPad: " ", startingAt: 0),
                       state].joined(separator: " "))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deny a token before it expires, by its id (from `panda token list`) or the token itself.",
            discussion: """
                The id goes on the deny list in the server's database; a running server \
                refuses the token within a few seconds (it reads the list every 2 s), and \
                after a restart at once. The tokens it minted (a factory's pilot tokens, \
                from factory/pilot_token) are revoked with it.
                """)

        @OptionGroup var file: ConfigFileOption

        @Argument(help: ArgumentHelp("A token id, or a whole token (- reads it from standard input).", valueName: "id-or-token"))
        var token: String

        func run() async throws {
            let configuration = try file.load().configuration
            let text = (token == "-" ? (readLine() ?? "") : token).trimmingCharacters(in: .whitespacesAndNewlines)
            var id = text.lowercased()
            var expiresAt: Int64?
            if text.contains(".") {
                let signer = try tokenSigner(configuration.server.signingKey)
                do {
                    let claims = try signer.verify(text)
                    id = claims.id
                    expiresAt = claims.expiresAt
                } catch .expired {
                    say("that token has expired already; nothing to revoke")
                    return
                } catch {
                    printError("panda: cannot revoke it: \(error)")
                    throw ExitCode(1)
                }
            } else {
                guard !text.isEmpty, text.count <= 64, text.allSatisfy({ $0.isHexDigit }) else {
                    throw ValidationError("'\(text)' is neither a token nor a token id (hex digits, as `panda token list` shows)")
                }
            }
            let now = Date().timeIntervalSince1970
            let added = try await TokenDatabase.with(configuration) { store in
                try await store.revokeToken(id: id, expiresAt: expiresAt, now: now)
            }
            say(added ? "revoked token \(id)" : "token \(id) was revoked already")
        }
    }
}

/// The server's database, opened by a command on the server host for the
/// token list (the running server shares it: SQLite serialises writes, and
/// PostgreSQL takes any number of clients).
enum TokenDatabase {
    static func with<T: Sendable>(_ configuration: PandaConfiguration, _ body: (any ServedJobStore) async throws -> T) async throws -> T {
        let store: any ServedJobStore
        do {
            store = try await ServerDatabase.open(configuration.server, logger: Logger(label: "panda-token"))
        } catch {
            printError("panda: \(error)")
            throw ExitCode(1)
        }
        let writer = Task { await store.run() }
        defer { if case .sqlite(let path) = configuration.server.database { handBack(path) } }
        do {
            let result = try await body(store)
            store.close()
            await writer.value
            return result
        } catch {
            store.close()
            await writer.value
            throw error
        }
    }

    /// Run as root (as a package's scripts do), SQLite may have just made the
    /// database or its -wal/-shm files, owned by root; they go back to the
    /// owner of their directory (the server's user), or the server could no
    /// longer open its own database.
    static func handBack(_ path: String) {
        guard getuid() == 0 else { return }
        var directory = stat()
        let parent = (path as NSString).deletingLastPathComponent
        guard stat(parent.isEmpty ? "." : parent, &directory) == 0, directory.st_uid != 0 else { return }
        for file in [path, path + "-wal", path + "-shm"] {
            var status = stat()
            if stat(file, &status) == 0, status.st_uid == 0 { _ = chown(file, directory.st_uid, directory.st_gid) }
        }
    }
}
