import PandaCore
import Testing

@Suite("checksums and payload exit codes")
struct ChecksumTests {
    @Test("adler32 matches RFC 1950's reference values, fed at once or in pieces")
    func adler32() {
        var whole = Adler32()
        whole.update(Array("Wikipedia".utf8))
        #expect(whole.hex == "11e60398")
        #expect(Adler32().hex == "00000001")
        // Long enough to cross the modulo block several times, fed unevenly.
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        var once = Adler32()
        once.update(bytes)
        var pieces = Adler32()
        pieces.update(bytes[0..<1])
        pieces.update(bytes[1..<6000])
        pieces.update(bytes[6000...])
        #expect(once == pieces)
        #expect(once.value == Self.referenceAdler32(bytes))
    }

    /// The textbook definition, slow and obviously right.
    static func referenceAdler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    @Test("checksums parse as PanDA writes them, and nothing else does")
    func parsing() {
        #expect(Checksum("ad:0A1B2C3D")?.description == "ad:0a1b2c3d")
        #expect(Checksum("md5:d41d8cd98f00b204e9800998ecf8427e")?.algorithm == .md5)
        for bad in ["ad:123", "adler32:0a1b2c3d", "md5:xyz", "0a1b2c3d", "ad:0a1b2c3g"] {
            #expect(Checksum(bad) == nil, "\(bad)")
        }
    }

    @Test("payload exits map to PanDA codes as pilot3 does: 0 none, 2 → 1378, other → 1305")
    func payloadExits() {
        #expect(ErrorCode.forPayloadExit(0) == nil)
        #expect(ErrorCode.forPayloadExit(2)?.number == 1378)
        #expect(ErrorCode.forPayloadExit(3)?.number == 1305)
        #expect(ErrorCode.forPayloadExit(137)?.number == 1305)
        #expect(ErrorCode.forSignal(15).number == 1201)
        #expect(ErrorCode.forSignal(10).number == 1207)
        #expect(ErrorCode.forSignal(24).number == 1204)
    }
}
