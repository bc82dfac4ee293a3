/// Why a transfer failed, in the terms the pilot maps to PanDA's codes.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file is not at that URL (404, no such local file).
        case notFound
        /// The storage could not be reached (refused, DNS, TLS).
        case unreachable
        /// The transfer took longer than allowed or stalled.
        case timedOut
        /// The storage answered with an error status.
        case refused(status: Int)
        /// Reading or writing the local side failed.
        case local
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
