import Foundation
import PandaClient
import Testing

/// The log tarball reader against archives a hostile payload could make:
/// impossible sizes in both encodings, and a small archive of a huge run of
/// zeros. Each must be a clear error or a bounded read, never a crash.
@Suite("TarGzReader: crafted log tarballs")
struct TarGzReaderTests {
    @Test("a header whose size is -1 is an error, not a crash")
    func negativeSize() throws {
        var tar = CraftedTar()
        tar.add("payload.stdout", sizeField: CraftedTar.text("-1"), content: [])
        let path = try tar.gzipped()
        defer { unlink(path) }
        #expect(throws: TarGzReader.Failure.self) { try TarGzReader.entries(of: path) }
        #expect(throws: TarGzReader.Failure.self) { try TarGzReader.tails(of: path, keeping: 64 << 10, limit: 1 << 20) }
    }

    @Test("a header stating 8 GiB (77777777777) is refused before anything is allocated for it")
    func hugeOctalSize() throws {
        var tar = CraftedTar()
        tar.add("payload.stdout", sizeField: CraftedTar.text("77777777777"), content: Array("short".utf8))
        let path = try tar.gzipped()
        defer { unlink(path) }
        let failure = try #require(throws: TarGzReader.Failure.self) { try TarGzReader.entries(of: path) }
        #expect(failure.description.contains("more than"), "\(failure)")
        let extracted = NSTemporaryDirectory() + "panda-tar-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: extracted) }
        #expect(throws: TarGzReader.Failure.self) { try TarGzReader.extract(path, into: extracted) }
    }

    @Test("base-256 sizes are read, and a negative or overflowing one is refused")
    func base256Sizes() throws {
        var good = CraftedTar()
        good.add("payload.stdout", sizeField: [0x80] + [UInt8](repeating: 0, count: 10) + [5], content: Array("hello".utf8))
        let goodPath = try good.gzipped()
        defer { unlink(goodPath) }
        let tails = try TarGzReader.tails(of: goodPath, keeping: 100, limit: 1 << 20)
        #expect(tails.map(\.entry.name) == ["payload.stdout"] && tails.map(\.entry.size) == [5])
        #expect(tails.first?.bytes == Array("hello".utf8))
        for field in [[0xff] + [UInt8](repeating: 0xff, count: 11), [0x80] + [UInt8](repeating: 0xff, count: 11)] {
            var bad = CraftedTar()
            bad.add("payload.stdout", sizeField: field, content: [])
            let path = try bad.gzipped()
            defer { unlink(path) }
            #expect(throws: TarGzReader.Failure.self) { try TarGzReader.entries(of: path) }
        }
    }

    @Test("a run of zeros past the limit stops the read at the limit; under it, only the tail is kept")
    func inflationBound() throws {
        let size = 32 << 20
        var tar = CraftedTar()
        let end = Array("the last line\n".utf8)
        tar.add("payload.stdout", sizeField: CraftedTar.octal(size + end.count), content: [UInt8](repeating: 0, count: size) + end)
        tar.add("payload.stderr", sizeField: CraftedTar.octal(3), content: Array("err".utf8))
        let path = try tar.gzipped()
        defer { unlink(path) }
        // A file larger than the limit is refused at its header; two that
        // are each under it but not together, while inflating.
        let failure = try #require(throws: TarGzReader.Failure.self) { try TarGzReader.tails(of: path, keeping: 64 << 10, limit: 4 << 20) }
        #expect(failure.description.contains("more than"), "\(failure)")
        var twoFiles = CraftedTar()
        for name in ["a", "b"] { twoFiles.add(name, sizeField: CraftedTar.octal(3 << 20), content: [UInt8](repeating: 0, count: 3 << 20)) }
        let twoPath = try twoFiles.gzipped()
        defer { unlink(twoPath) }
        let inflating = try #require(throws: TarGzReader.Failure.self) { try TarGzReader.tails(of: twoPath, keeping: 16, limit: 4 << 20) }
        #expect(inflating.description.contains("inflates to more than"), "\(inflating)")
        let tails = try TarGzReader.tails(of: path, keeping: 64 << 10, limit: 64 << 20)
        #expect(tails.count == 2)
        #expect(tails[0].entry.size == Int64(size + end.count))
        #expect(tails[0].bytes.count == 64 << 10)
        #expect(Array(tails[0].bytes.suffix(end.count)) == end)
        #expect(tails[1].bytes == Array("err".utf8))
    }

    @Test("a real tar's file is printed through copy, and its entries listed")
    func realTar() throws {
        let directory = NSTemporaryDirectory() + "panda-tar-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/job", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "out\n".write(toFile: directory + "/job/payload.stdout", atomically: true, encoding: .utf8)
        try String(repeating: "x", count: 300).write(toFile: directory + "/job/" + String(repeating: "n", count: 150), atomically: true, encoding: .utf8)
        let tar = try PandaProcess.runTool("/bin/tar", ["-czf", directory + "/log.tgz", "-C", directory, "job"])
        try #require(tar.status == 0, "\(tar.stderr)")
        let entries = try TarGzReader.entries(of: directory + "/log.tgz")
        #expect(Set(entries.map(\.name)) == ["job/payload.stdout", "job/" + String(repeating: "n", count: 150)])
        let output = open(directory + "/out", O_WRONLY | O_CREAT, 0o600)
        let copied = try TarGzReader.copy(of: directory + "/log.tgz", firstMatching: { $0.hasSuffix("payload.stdout") }, to: output)
        close(output)
        #expect(copied.found?.size == 4)
        #expect(try String(contentsOfFile: directory + "/out", encoding: .utf8) == "out\n")
    }
}

/// A tar archive built block by block, with whatever size field a test wants.
struct CraftedTar {
    var bytes: [UInt8] = []

    static func text(_ value: String) -> [UInt8] { Array(value.utf8) + [0] }
    static func octal(_ value: Int) -> [UInt8] { text(String(value, radix: 8)) }

    mutating func add(_ name: String, sizeField: [UInt8], content: [UInt8]) {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ field: [UInt8], at offset: Int) { for (index, byte) in field.prefix(512 - offset).enumerated() { header[offset + index] = byte } }
        put(Array(name.utf8), at: 0)
        put(Self.text("0000644"), at: 100)
        put(Self.text("0001750"), at: 108)
        put(Self.text("0001750"), at: 116)
        put(Array(sizeField.prefix(12)), at: 124)
        put(Self.text("14712345670"), at: 136)
        header[156] = UInt8(ascii: "0")
        put(Array("ustar\u{0}00".utf8), at: 257)
        put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148)
        let sum = header.reduce(0) { $0 + Int($1) }
        put(Array(String(format: "%06o", sum).utf8) + [0, UInt8(ascii: " ")], at: 148)
        bytes += header + content + [UInt8](repeating: 0, count: (512 - content.count % 512) % 512)
    }

    /// The archive with its two end blocks, through gzip, in a temporary file.
    func gzipped() throws -> String {
        let path = NSTemporaryDirectory() + "panda-crafted-\(UUID().uuidString.prefix(8)).tar"
        try Data(bytes + [UInt8](repeating: 0, count: 1024)).write(to: URL(fileURLWithPath: path))
        let gzip = try PandaProcess.runTool("/bin/gzip", ["-f", path])
        guard gzip.status == 0 else { throw ServerProcessError("gzip: \(gzip.stderr)") }
        return path + ".gz"
    }
}
