/// The version of this build of panda, printed by `panda --version` and sent
/// by clients in their User-Agent.
public enum PandaVersion {
    public static let current = "0.1.0"

    /// The licence panda is distributed under (LICENSE at the top of the
    /// source tree, /usr/share/doc/panda/copyright in the package).
    public static let licence = "Apache-2.0"

    /// What `panda --version` prints: the version alone on the first line,
    /// so scripts can compare it (`panda --version | head -n1`), then the
    /// copyright and licence.
    public static let banner = """
        \(current)
        Copyright 2026 panda maintainers
        Licensed under the Apache License, Version 2.0 (\(licence)): https://www.apache.org/licenses/LICENSE-2.0
        """
}
