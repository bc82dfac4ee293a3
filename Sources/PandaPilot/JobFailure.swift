import PandaCore

/// Why one job failed, as it goes into the final report.
struct JobFailure: Error, Sendable, CustomStringConvertible {
    let code: ErrorCode
    let diagnostic: String

    init(_ code: ErrorCode, _ diagnostic: String) {
        self.code = code
        self.diagnostic = diagnostic
    }

    var description: String { "\(code.number) \(code.name): \(diagnostic)" }
}
