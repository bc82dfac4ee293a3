/// Unguessable identifiers from the system's random source, as lower-case
/// hex: leases (128 bits), token ids (64 bits).
public enum RandomHex {
    public static func make(bits: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<max(1, bits / 64)).map { _ in
            let digits = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }
}
