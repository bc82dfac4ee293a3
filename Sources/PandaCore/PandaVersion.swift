/// The version of this build of panda, printed by `panda --version` and sent
/// by clients in their User-Agent.
public enum PandaVersion {
    public static let current = "0.1.0"
}
