import ArgumentParser
import Foundation
import PandaConfig
import PandaListener
import PandaServer

/// What the roles check at start beyond the file itself (the files the
/// configuration names: credentials, the signing key, TLS certificates), run
/// by `panda config check` for each role whose section the file has, with the
/// very functions the roles use, so a configuration that passes the check
/// does not then stop a role at start.
///
/// ```swift
/// for problem in StartChecks(loaded).problems { printError(problem.description) }
/// ```
/// Files this user may not read are notes, not errors: the roles run as
/// their own users (`sudo panda config check` reads everything).
/// Credentials not issued yet are not mentioned: tokens are issued once the
/// server runs, after the check of an installation.
struct StartChecks {
    struct Problem: CustomStringConvertible {
        let key: String
        let place: String
        let message: String
        let isNote: Bool
        var description: String { isNote ? "note: \(key): \(message)" : "\(place): \(key): \(message)" }
    }

    let loaded: LoadedConfiguration
    init(_ loaded: LoadedConfiguration) { self.loaded = loaded }

    var problems: [Problem] {
        var found: [Problem] = []
        let configuration = loaded.configuration
        func add(_ key: String, _ message: String, note: Bool = false) {
            let origin = loaded.origin(of: key)
            found.append(Problem(key: key, place: origin == .default ? loaded.files[0] : origin.description, message: message, isNote: note))
        }
        func credential(_ key: String, _ path: String) {
            // Missing is normal while installing: tokens are issued once the server runs.
            guard FileManager.default.fileExists(atPath: path) else { return }
            do {
                _ = try FactoryCommand.readToken(path)
            } catch let error as ValidationError {
                add(key, error.message, note: access(path, F_OK) == 0 && access(path, R_OK) != 0)
            } catch {
                add(key, "\(error)")
            }
        }
        // As the listener loads them at start: readable, and the key the certificate's.
        func certificate(_ setting: String, _ tls: TLSFiles) {
            var readable = true
            for (name, path) in [("cert", tls.cert), ("key", tls.key)] where !FileManager.default.isReadableFile(atPath: path) {
                add("\(setting).\(name)", "cannot read \(path): \(String(cString: strerror(errno)))",
                    note: FileManager.default.fileExists(atPath: path))
                readable = false
            }
            guard readable else { return }
            do {
                _ = try ReloadableCertificate(files: tls)
            } catch {
                add(setting, error.description)
            }
        }
        if has("server") {
            let key = configuration.server.signingKey
            // Missing is fine (the first start makes it); present, it must be usable.
            if FileManager.default.fileExists(atPath: key) {
                do {
                    _ = try SigningKey.load(at: key)
                } catch SigningKeyError.unreadable(let path, let reason) {
                    add("server.signing_key", "cannot read \(path): \(reason)", note: true)
                } catch {
                    add("server.signing_key", "\(error)")
                }
            }
            if let tls = configuration.server.tls { certificate("server.tls", tls) }
        }
        if has("monitor"), let tls = configuration.monitor.tls { certificate("monitor.tls", tls) }
        if has("monitor"), configuration.monitor.auth == .none {
            if let path = configuration.monitor.credential {
                credential("monitor.credential", path)
            } else {
                add("monitor.auth", "monitor.auth is none, so panda monitor needs monitor.credential (a token file with the read scope) or --credential")
            }
        }
        if has("factory"), let path = configuration.factory.credential {
            credential("factory.credential", path)
        }
        return found
    }

    /// Whether the file wrote anything in this section.
    private func has(_ section: String) -> Bool {
        loaded.origins.keys.contains { $0.hasPrefix(section + ".") }
    }
}
