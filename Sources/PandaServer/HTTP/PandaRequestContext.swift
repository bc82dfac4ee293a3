import Hummingbird

/// Per-request state: who is calling, once the token has been checked.
public struct PandaRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: TokenClaims?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
    }
}
