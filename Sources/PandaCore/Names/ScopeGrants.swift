/// Who may write in which scope, as Rucio has it: a user in `user.NAME`,
/// in the scopes configuration grants them (`server.scopes`), an operator
/// (admin token) anywhere. Writing means storing outputs there, registering
/// files there, and adding replicas to its files.
///
/// ```swift
/// let grants = ScopeGrants(["group.phys": ["alice", "bob"]])
/// grants.mayWrite("user.alice", user: "alice")    // true
/// grants.mayWrite("group.phys", user: "bob")      // true
/// grants.mayWrite("user.bob", user: "alice")      // false
/// ```
public struct ScopeGrants: Sendable, Equatable {
    /// Scope → the users granted it.
    public let grants: [String: Set<String>]

    public init(_ grants: [String: [String]] = [:]) {
        self.grants = grants.mapValues(Set.init)
    }

    public func mayWrite(_ scope: String, user: String, isAdmin: Bool = false) -> Bool {
        isAdmin || scope == Self.personal(user) || grants[scope]?.contains(user) == true
    }

    /// The scope a dataset's name puts it in, as Rucio's ATLAS convention
    /// reads a name: `user.NAME.…` and `group.NAME.…` are in `user.NAME` and
    /// `group.NAME`; a name that starts with a scope granted in configuration
    /// is in that scope. Any other name (`raw`, `mc23.sim`) is in none and
    /// belongs to whoever made it first, as before.
    ///
    /// ```swift
    /// grants.scope(ofDataset: "user.alice.results")   // "user.alice"
    /// grants.scope(ofDataset: "group.phys.skim")      // "group.phys"
    /// grants.scope(ofDataset: "raw")                  // nil
    /// ```
    public func scope(ofDataset name: String) -> String? {
        let parts = name.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count >= 2, parts[0] == "user" || parts[0] == "group" {
            return "\(parts[0]).\(parts[1])"
        }
        // The longest granted scope the name starts with, at a dot or whole.
        return grants.keys.filter { name == $0 || name.hasPrefix($0 + ".") }.max { $0.count < $1.count }
    }

    /// Whether `user` may make a dataset of this name: it is in a scope they
    /// may write in, or in none.
    public func mayCreateDataset(_ name: String, user: String, isAdmin: Bool = false) -> Bool {
        scope(ofDataset: name).map { mayWrite($0, user: user, isAdmin: isAdmin) } ?? true
    }

    /// `user.NAME`, with what a scope may not hold made `_`.
    public static func personal(_ user: String) -> String {
        "user." + String(user.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") ? $0 : "_" })
    }

    /// The refusal, said the same way on every route.
    public static func refusal(_ scope: String, user: String, at place: String) -> String {
        "\(place) \(PathName.quoted(scope)) is not yours: \(user) writes in \(personal(user))"
            + " and in scopes granted in server.scopes"
    }
}
