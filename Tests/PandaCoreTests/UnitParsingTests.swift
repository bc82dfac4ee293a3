import PandaCore
import Testing

@Suite("sizes and durations")
struct UnitParsingTests {
    @Test("sizes read decimal and binary units exactly", arguments: [
        ("2GB", Int64(2_000_000_000)), ("512MiB", 512 << 20), ("1.5GiB", 3 << 29), ("100B", 100),
        ("7 GB", 7_000_000_000), ("1kB", 1_000), ("1KB", 1_000), ("2gib", 2 << 30), ("0.5MB", 500_000),
    ])
    func sizes(text: String, bytes: Int64) throws {
        #expect(try ByteCount(parsing: text).bytes == bytes)
    }

    @Test("a bare number is refused with the unit it needs")
    func bareNumber() {
        #expect(throws: ValueParseError("'2' needs a unit, such as 2GB or 2MiB")) { try ByteCount(parsing: "2") }
    }

    @Test("malformed sizes say what is wrong", arguments: ["", "GB", "2XB", "-1GB", "1.2.3GB", "9999999PB"])
    func malformedSizes(text: String) {
        #expect(throws: ValueParseError.self) { try ByteCount(parsing: text) }
    }

    @Test("sizes print in their most compact exact unit")
    func sizeText() {
        #expect(ByteCount(bytes: 16 << 30).description == "16GiB")
        #expect(ByteCount.gigabytes(16).description == "16GB")
        #expect(ByteCount(bytes: 1536 << 20).description == "1536MiB")
        #expect(ByteCount(bytes: 1234).description == "1234B")
        #expect(ByteCount(bytes: 0).description == "0B")
    }

    @Test("durations read single and compound units", arguments: [
        ("90s", Int64(90_000)), ("30m", 1_800_000), ("48h", 172_800_000), ("2d", 172_800_000),
        ("1h30m", 5_400_000), ("1.5h", 5_400_000), ("250ms", 250), ("1m 30s", 90_000),
    ])
    func durations(text: String, milliseconds: Int64) throws {
        #expect(try TimeSpan(parsing: text).milliseconds == milliseconds)
    }

    @Test("a bare number is refused as a duration")
    func bareDuration() {
        #expect(throws: ValueParseError("'30' needs a unit, such as 30s, 30m or 30h")) { try TimeSpan(parsing: "30") }
    }

    @Test("malformed durations are refused", arguments: ["", "h", "3y", "1h3", "-5m"])
    func malformedDurations(text: String) {
        #expect(throws: ValueParseError.self) { try TimeSpan(parsing: text) }
    }

    @Test("durations print largest units first and read back the same")
    func durationText() throws {
        for text in ["1h30m", "2d", "45s", "250ms", "1d2h3m4s5ms"] {
            let span = try TimeSpan(parsing: text)
            #expect(span.description == text)
            #expect(try TimeSpan(parsing: span.description) == span)
        }
        #expect(TimeSpan.seconds(90).description == "1m30s")
    }
}
