/// Builds the dotted key paths that messages name: `sites.BNL.queues.Q.maxrss`,
/// `batch.args[2]`.
enum KeyPathText {
    static func join(_ base: String, _ key: String) -> String {
        base.isEmpty ? key : "\(base).\(key)"
    }

    static func index(_ base: String, _ index: Int) -> String {
        "\(base)[\(index)]"
    }
}
