import Logging
import PandaSystem

/// How a running factory gets its settings again on SIGHUP
/// (`systemctl reload panda-factory`): the command that built them at start
/// builds them again from the re-read configuration.
///
/// ```swift
/// role.reload = FactoryReload { try settings(from: reread()) }
/// ```
/// A refusal (a configuration with errors, a queue that went away, an
/// unreadable credential) is logged line by line and the factory carries on
/// with the settings it has.
public struct FactoryReload: Sendable {
    /// The new settings and what to tell the operator, or why not.
    public let build: @Sendable () -> Result<(settings: FactorySettings, notes: [String]), Refused>

    public init(_ build: @escaping @Sendable () -> Result<(settings: FactorySettings, notes: [String]), Refused>) {
        self.build = build
    }

    /// Why a reload was refused, one line per problem.
    public struct Refused: Error, Sendable {
        public let problems: [String]
        public init(_ problems: [String]) { self.problems = problems }
    }

    /// The settings to go on with: the new ones, or the running ones when refused.
    func apply(to running: FactorySettings, systemd: SystemdNotifier, logger: Logger) -> FactorySettings {
        systemd.send("RELOADING=1")
        defer { systemd.ready() }
        switch build() {
        case .success(let next):
            for note in next.notes { logger.notice("\(note)") }
            logger.notice("factory now serving \(next.settings.queues.map(\.name).joined(separator: ", "))")
            return next.settings
        case .failure(let refused):
            for problem in refused.problems { logger.error("\(problem)") }
            logger.error("reload refused (\(refused.problems.count) error(s)); still serving \(running.queues.map(\.name).joined(separator: ", "))")
            return running
        }
    }
}
