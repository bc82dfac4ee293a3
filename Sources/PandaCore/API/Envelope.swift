/// Every API reply: `{"success": bool, "message": str, "data": ...}`, as in
/// PanDA's v1 API.
///
/// ```swift
/// let reply = try decoder.decode(Envelope<SubmitResult>.self, from: body)
/// ```
public struct Envelope<Payload: Codable & Sendable>: Codable, Sendable {
    public var success: Bool
    public var message: String
    public var data: Payload?

    public init(success: Bool, message: String, data: Payload?) {
        self.success = success
        self.message = message
        self.data = data
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        success = try c.decode(Bool.self, forKey: .success)
        message = try c.decodeIfPresent(String.self, forKey: .message) ?? ""
        data = try c.decodeIfPresent(Payload.self, forKey: .data)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(success, forKey: .success)
        try c.encode(message, forKey: .message)
        // data is always present, null on failure, so clients need not guess.
        if let data { try c.encode(data, forKey: .data) } else { try c.encodeNil(forKey: .data) }
    }

    enum CodingKeys: String, CodingKey { case success, message, data }
}
