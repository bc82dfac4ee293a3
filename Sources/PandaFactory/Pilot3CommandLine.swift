import Foundation
import PandaConfig
import PandaCore

/// The command line and environment that start the unmodified PanDA pilot 3
/// for a queue with `pilots.flavour: pilot3`, as docs/pilot3.md describes
/// it: pilot3 talks to the server's PanDA compatibility routes, reads its
/// queue and the storage endpoints from them, and sends the pilot token from
/// its file, which it finds by name in $OIDC_AUTH_DIR's folder.
///
/// ```swift
/// let line = Pilot3CommandLine(queue: queue, server: "https://panda.example:8443", inputDirectory: "/data/se")
/// line.command(lifetime: .hours(23))   // [python, -P, pilot.py, -q, QUEUE, ...]
/// line.environment(tokenDirectory: PilotScript.tokenDirectory)
/// ```
struct Pilot3CommandLine {
    let queue: QueueConfig
    /// The panda server, scheme://host:port.
    let server: String
    /// Where pilot3's mv finds inputs: the queue's nearest file:// endpoint.
    let inputDirectory: String?

    init(queue: QueueConfig, server: String, storage: [String: String]) {
        self.queue = queue
        self.server = server
        inputDirectory = queue.readFrom.lazy.compactMap { storage[$0] }.first { $0.hasPrefix("file://") }
            .map { String($0.dropFirst("file://".count)) }
    }

    func command(lifetime: TimeSpan) -> [String] {
        // pilot3 takes the host (with its scheme) and the port apart.
        let url = URL(string: server)
        let scheme = url?.scheme ?? "https"
        let host = url?.host ?? "localhost"
        let port = url?.port ?? (scheme == "https" ? 443 : 80)
        var words = queue.pilots.pilot3Command + [
            "-q", queue.name, "-j", "managed", "--pilot-user", "generic", "-w", "generic",
            // No X.509 proxy to check: the pilot token is the credential.
            "-t",
            "--url", "\(scheme)://\(host)", "-p", String(port),
            "--queuedata-url", "\(server)/server/panda/queuedata?queue={pandaqueue}",
            "--storagedata-url", "\(server)/server/panda/storagedata",
            "-l", String(max(60, lifetime.milliseconds / 1000)),
        ]
        if let inputDirectory { words += ["--input-destination-dir", inputDirectory] }
        return words
    }

    /// `tokenDirectory` is the folder of the pilot's `pilot.token` (with a
    /// trailing `/`), or `PilotScript.tokenDirectory` where the batch script
    /// decides it on the node.
    func environment(tokenDirectory: String) -> [String: String] {
        [
            // A file name, looked up in dirname($OIDC_AUTH_DIR); both this and the origin must be set for pilot3 to send it.
            "OIDC_AUTH_TOKEN": "pilot.token",
            "OIDC_AUTH_DIR": tokenDirectory,
            "OIDC_AUTH_ORIGIN": "panda",
            // pilot3's full queue description, from panda rather than CRIC.
            "LOCAL_AGIS_SCHEDCONF": "\(server)/server/panda/schedconfig?queue=\(queue.name)",
            // pilot3 would otherwise kill every orphaned process group of the pilot's user at the end.
            "PILOT_NOKILL": "1",
        ]
    }
}
