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
