import Foundation

extension Spawn {
    /// A user a child runs as: uid, primary gid and supplementary groups,
    /// resolved from a user name through the password and group databases.
    /// uid 0 and gid 0 are refused: an identity exists to take rights away.
    ///
    /// ```swift
    /// let payloadUser = try Spawn.Identity(user: "panda-payload")
    /// let pid = try Spawn.start("/bin/sh", ["-c", "id"], environment: [:], stdin: "/dev/null",
    ///                           stdout: out, stderr: out, identity: payloadUser)
    /// ```
    public struct Identity: Sendable, Equatable, CustomStringConvertible {
        public let user: String
        public let uid: uid_t
        public let gid: gid_t
        /// Exactly the groups the child has (the primary one included).
        public let groups: [gid_t]
        public let home: String
        /// The umask the child starts with, as a login would give it, or nil
        /// for this process's. Applied only when the child switches user (a
        /// child that is this user anyway is started with this process's).
        public var umask: mode_t?
        /// The child keeps CAP_SETUID, CAP_SETGID, CAP_CHOWN,
        /// CAP_DAC_OVERRIDE and CAP_KILL (ambient, nothing else) through the
        /// switch: a pilot started this way can run its payloads as yet
        /// another user, whose work directory it enters and takes back. This
        /// process must hold them (root, or the factory's unit).
        public var keepsSwitchCapabilities = false

        public var description: String { "\(user) (uid \(uid), gid \(gid))" }

        /// Why a name is not a usable identity.
        public struct Refusal: Error, CustomStringConvertible {
            public let description: String
        }

        public init(user: String) throws(Refusal) {
            guard !user.isEmpty, user.utf8.count <= 256, !user.contains("\0") else {
                throw Refusal(description: "'\(user)' is not a user name")
            }
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            var buffer = [CChar](repeating: 0, count: 16384)
            let error = getpwnam_r(user, &entry, &buffer, buffer.count, &result)
            guard error == 0, result != nil else {
                throw Refusal(description: error == 0 ? "no user named '\(user)' on this host"
                                                      : "cannot look up user '\(user)': \(String(cString: strerror(error)))")
            }
            let uid = entry.pw_uid, gid = entry.pw_gid
            let home = String(cString: entry.pw_dir)
            guard uid != 0 else { throw Refusal(description: "user '\(user)' is root (uid 0); a payload user must be unprivileged") }
            guard gid != 0 else { throw Refusal(description: "user '\(user)' has the root group (gid 0) as its primary group") }
            var count: Int32 = 64
            var groups = [gid_t](repeating: 0, count: Int(count))
            while getgrouplist(user, gid, &groups, &count) < 0 {
                guard count < 65536 else { throw Refusal(description: "user '\(user)' is in too many groups") }
                count *= 2
                groups = [gid_t](repeating: 0, count: Int(count))
            }
            groups = Array(groups.prefix(Int(count)))
            guard !groups.contains(0) else { throw Refusal(description: "user '\(user)' is a member of the root group (gid 0)") }
            self.init(user: user, uid: uid, gid: gid, groups: groups, home: home)
        }

        init(user: String, uid: uid_t, gid: gid_t, groups: [gid_t], home: String) {
            self.user = user
            self.uid = uid
            self.gid = gid
            self.groups = groups
            self.home = home
        }

        /// Whether this process can start children as another user: root, or
        /// CAP_SETUID and CAP_SETGID in its effective set.
        public static var canSwitch: Bool {
            if geteuid() == 0 { return true }
            guard let status = SmallFile.read("/proc/self/status").map({ String(decoding: $0, as: UTF8.self) }),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
                  let bits = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
            let setgid: UInt64 = 1 << 6, setuid: UInt64 = 1 << 7
            return bits & setgid != 0 && bits & setuid != 0
        }

        /// True when a child would run as this user anyway (nothing to switch).
        public var isCurrent: Bool { uid == geteuid() && gid == getegid() }
    }
}
