import Foundation
import PandaConfig
import PandaServer

extension UpCommand {
    /// Starts `panda monitor` beside the server with a read token of its
    /// own (0600, beside the factory's), and says where it listens.
    static func startMonitor(_ signer: TokenSigner, state: String, config: String, server: String,
                             monitor: MonitorConfig) throws -> (process: ChildRole, url: String) {
        let credential = state + "/monitor.token"
        let token = try mint(signer, subject: "monitor@\(ProcessInfo.processInfo.hostName)", scope: .read, queues: [], days: 30)
        guard FileManager.default.createFile(atPath: credential, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600]),
              chmod(credential, 0o600) == 0 else {
            throw ValidationErrorText("cannot write the monitor credential \(credential)")
        }
        let listen = monitor.listen
        let url = "http://\(listen.host == "0.0.0.0" ? "127.0.0.1" : listen.host):\(listen.port)/"
        say("panda up: starting the monitor on \(url) (log: \(state)/monitor.log)")
        let process = try ChildRole(name: "monitor", arguments: ["monitor", "-c", config, "--server", server, "--credential", credential],
                                    log: state + "/monitor.log")
        return (process, url)
    }
}

/// A start-up failure of `panda up`, with the message the user reads.
struct ValidationErrorText: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
