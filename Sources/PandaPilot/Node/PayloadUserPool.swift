import Foundation
import PandaSystem

/// Picks the user this pilot's payloads run as (the seeds' gLExec) from
/// `pilot.payload_users`: the first one no other pilot on this node holds,
/// held by an flock in the state directory for the pilot's lifetime, so two
/// jobs running side by side never share a user and cannot read each other's
/// work directories.
///
/// ```swift
/// let claim = try PayloadUserPool.claim(["panda-pay1", "panda-pay2"], stateDirectory: state)
/// claim?.identity   // nil when the pilot cannot switch identity
/// ```
final class PayloadUserPool: Sendable {
    let identity: Spawn.Identity
    /// Kept open: the lock lasts as long as the process.
    private let lock: Int32

    private init(identity: Spawn.Identity, lock: Int32) {
        self.identity = identity
        self.lock = lock
    }

    deinit { close(lock) }

    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// Nil when there is no pool or the pilot may not switch; throws when a
    /// user is unusable (unknown, root) or all are taken.
    static func claim(_ users: [String], stateDirectory: String, host: String) throws(Refusal) -> PayloadUserPool? {
        guard !users.isEmpty, Spawn.Identity.canSwitch else { return nil }
        var identities: [Spawn.Identity] = []
        for user in users {
            do {
                identities.append(try Spawn.Identity(user: user))
            } catch {
                throw Refusal(description: "pilot.payload_users: \(error)")
            }
        }
        let directory = stateDirectory + "/payload-users"
        do { try PrivateDirectory.ensure(directory) } catch { throw Refusal(description: "\(error)") }
        for identity in identities {
            // The host in the name: a state directory on a shared home serves many nodes.
            let path = directory + "/\(host).\(identity.user).lock"
            let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { continue }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return PayloadUserPool(identity: identity, lock: descriptor) }
            close(descriptor)
        }
        throw Refusal(description: "all \(users.count) payload user(s) (\(users.joined(separator: ", "))) are in use by other pilots on this node")
    }
}
