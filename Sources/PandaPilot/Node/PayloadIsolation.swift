import Foundation
import PandaSystem

/// Whether this pilot's payloads would run under its own uid: no payload
/// user is configured, the pilot cannot switch (not root, no
/// CAP_SETUID/CAP_SETGID), or a payload user is the pilot's own user.
/// Payloads of the pilot's uid can signal, stop and trace the pilot, read
/// what it leaves on disk and rewrite what it keeps on the node, so that
/// shape needs `pilot.shared_uid: accept` (docs/security.md says what still
/// holds there).
///
/// ```swift
/// if PayloadIsolation.sharesUID(payloadUsers: config.payloadUsers) && policy == .refuse { refuse() }
/// ```
public enum PayloadIsolation {
    public static func sharesUID(payloadUsers: [String]) -> Bool {
        guard !payloadUsers.isEmpty, Spawn.Identity.canSwitch else { return true }
        // An unknown user is refused later, when the pilot claims one.
        return payloadUsers.contains { (try? Spawn.Identity(user: $0))?.uid == geteuid() }
    }

    /// Why the pilot will not start in the shared shape unless told to.
    public static let refusal = """
        payloads would run under the pilot's own uid (no pilot.payload_user, or the pilot cannot switch to it: \
        not root, no CAP_SETUID/CAP_SETGID), where a payload can kill or stop its pilot and rewrite what the pilot \
        keeps on this node. Configure pilot.payload_user (or payload_users) and run the pilot as root or with \
        CAP_SETUID, CAP_SETGID, CAP_CHOWN and CAP_DAC_OVERRIDE; or set pilot.shared_uid: accept (or --shared-uid accept) if this site \
        accepts that (docs/security.md, "Worker-side containment")
        """
}
