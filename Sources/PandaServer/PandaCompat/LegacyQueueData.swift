import Crypto
import Foundation
import PandaConfig
import PandaCore

/// A queue and the storage endpoints as the PanDA pilot 3 reads them from
/// CRIC (schedconfig/queuedata and ddmendpoints), made from panda's YAML,
/// which stays the source of truth. Files move with pilot3's `mv` copy
/// tool over a shared file system: symlinked in from the endpoint's
/// directory, moved out to it, both in Rucio's deterministic layout.
///
/// ```swift
/// LegacyQueueData.queue(queue, configuration: configuration)["acopytools"]   // ["pr": ["mv"], ...]
/// LegacyQueueData.storage(configuration)["LOCAL"]                            // ["arprotocols": ...]
/// ```
enum LegacyQueueData {
    /// Every copy tool activity either pilot3 line asks for: 3.7 stages in
    /// with `pr`, out with `pw`/`w` and the log with `pl`; master uses
    /// `read_lan`/`write_lan`. Without them pilot3 falls back to rucio.
    static let activities = ["pr", "pw", "pl", "w", "read_lan", "write_lan", "default"]
    /// The storage protocol activities pilot3 resolves a transfer with.
    static let readActivities = ["read_lan", "read_wan", "pr", "r"]
    static let writeActivities = ["write_lan", "write_wan", "pw", "w", "pl"]

    static func queue(_ queue: QueueConfig, configuration: PandaConfiguration) -> [String: Any] {
        let reads = queue.readFrom
        let writes = queue.writeTo.map { [$0] } ?? []
        var astorages: [String: [String]] = [:]
        for activity in ["pr", "read_lan"] where !reads.isEmpty { astorages[activity] = reads }
        for activity in ["pw", "pl", "w", "write_lan"] where !writes.isEmpty { astorages[activity] = writes }
        return [
            // pilot3 reads the queue's name from CRIC's `nickname`.
            "name": queue.name,
            "nickname": queue.name,
            "panda_resource": queue.name,
            "resource": queue.name,
            "site": queue.site,
            "atlas_site": queue.site,
            "status": queue.status.rawValue,
            "state": "ACTIVE",
            "type": "unified",
            "catchall": "mv_final_destination",
            "copytools": ["mv": ["setup": ""]],
            "acopytools": Dictionary(uniqueKeysWithValues: activities.map { ($0, ["mv"]) }),
            "astorages": astorages,
            "corecount": queue.corecount,
            // Rounded up: pilot3 offers min(free disk, maxwdir), and a job
            // that needs the whole maxwdir must still fit that offer.
            "maxrss": mebibytesRoundedUp(queue.maxrss),
            "maxwdir": mebibytesRoundedUp(queue.maxwdir),
            "maxinputsize": mebibytesRoundedUp(queue.maxwdir),
            "maxtime": queue.maxtime.milliseconds / 1000,
            "timefloor": 0,
            "pledgedcpu": 0,
            "direct_access_lan": false,
            "direct_access_wan": false,
            "allow_lan": true,
            "allow_wan": false,
            "use_pcache": false,
            "is_cvmfs": false,
            // No container: panda's container_command is its own pilot's.
            "container_type": "",
            "container_options": "",
            "environ": "",
            "appdir": "",
            "platform": "",
            "params": [String: Any](),
        ]
    }

    static func mebibytesRoundedUp(_ size: ByteCount) -> Int64 {
        (size.bytes + 1_048_575) / 1_048_576
    }

    /// Every storage endpoint, by name.
    static func storage(_ configuration: PandaConfiguration) -> [String: Any] {
        var endpoints: [String: Any] = [:]
        for (index, endpoint) in configuration.storageEndpoints.enumerated() {
            let protocolEntry = self.protocolEntry(endpoint.url)
            endpoints[endpoint.name] = [
                "id": index + 1,
                "name": endpoint.name,
                "site": endpoint.site,
                "rc_site": endpoint.site,
                "type": "DATADISK",
                "token": "",
                "state": "ACTIVE",
                "is_deterministic": true,
                "is_tape": false,
                // Read-only endpoints get no write protocol, so pilot3 never stages out there.
                "arprotocols": Dictionary(uniqueKeysWithValues: (readActivities + (endpoint.readOnly ? [] : writeActivities))
                    .map { ($0, [protocolEntry]) }),
                "rprotocols": [String: Any](),
                "resource": [String: Any](),
            ] as [String: Any]
        }
        return endpoints
    }

    /// pilot3 builds a file's place as `endpoint + path + /<rucio path>`;
    /// mv strips `file://localhost` to find the local path.
    static func protocolEntry(_ url: StorageURL) -> [String: Any] {
        if url.isLocal {
            return ["endpoint": "file://localhost", "path": localPath(url), "flavour": "POSIX"]
        }
        let text = url.string
        let afterScheme = text.range(of: "://").map { text[$0.upperBound...] } ?? Substring(text)
        let slash = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        return ["endpoint": String(text[..<slash]), "path": String(afterScheme[slash...]), "flavour": "WEBDAV"]
    }

    /// The directory of a `file://` endpoint.
    static func localPath(_ url: StorageURL) -> String {
        let text = url.string
        return text.hasPrefix("file://") ? String(text.dropFirst("file://".count)) : text
    }

    /// Where a file lives in Rucio's deterministic layout, which pilot3's mv
    /// reads inputs from and writes outputs to:
    /// `<scope, dots as folders>/<md5(scope:lfn)[0:2]>/<[2:4]>/<lfn>`.
    static func rucioPath(scope: String, lfn: String) -> String {
        let hex = Insecure.MD5.hash(data: Data("\(scope):\(lfn)".utf8)).map { String(format: "%02x", $0) }.joined()
        let parts = scope.split(separator: ".").map(String.init) + [String(hex.prefix(2)), String(hex.dropFirst(2).prefix(2)), lfn]
        return parts.joined(separator: "/")
    }
}
