import Foundation
import Testing
import TestSupport

@Suite("panda factory: SIGHUP reloads the queue catalogue")
struct FactoryReloadTests {
    @Test("a reload serves a queue added to the file; a bad file is refused with its errors and the running queues kept")
    func reload() throws {
        let factory = try FactorySite(queues: [FactoryTests.local])
        defer { factory.cleanUp() }
        try factory.start()
        waitForLine("factory serving LQ every 1s", in: factory.logPath)
        let path = factory.site.server.configPath
        let original = try String(contentsOfFile: path, encoding: .utf8)
        let line = "      " + FactoryTests.local
        #expect(original.contains(line))
        let withLQ2 = original.replacingOccurrences(of: line, with: line + "\n" + line.replacingOccurrences(of: "LQ:", with: "LQ2:"))
        try withLQ2.write(toFile: path, atomically: true, encoding: .utf8)
        factory.factory?.signal(SIGHUP)
        waitForLine("factory now serving LQ, LQ2", in: factory.logPath)
        #expect(factory.log.contains("catalogue reloaded: 2 queue(s); added LQ2; removed none; changed none"), "\(factory.log)")
        #expect(factory.log.contains("factory now serving LQ, LQ2"), "\(factory.log)")

        try withLQ2.replacingOccurrences(of: "LQ2: { write_to: LOCAL, copytools: [cp], maxrss: 1GB", with: "LQ2: { write_to: LOCAL, copytools: [cp], maxrss: lots")
            .write(toFile: path, atomically: true, encoding: .utf8)
        factory.factory?.signal(SIGHUP)
        waitForLine("reload refused", in: factory.logPath)
        #expect(factory.log.contains("reload refused (1 error(s)); still serving LQ, LQ2"), "\(factory.log)")
        #expect(factory.log.contains("\(path):"), "the error names the file: \(factory.log)")
        #expect(factory.factory?.isRunning == true)
        #expect(factory.stop() == 0)
    }
}
