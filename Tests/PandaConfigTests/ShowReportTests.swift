import Foundation
import Testing
import TestSupport
@testable import PandaConfig

@Suite("config show")
struct ShowReportTests {
    static let example = Repository.path("etc/panda/panda.yaml")

    @Test("the JSON reads back into the same configuration")
    func wholeRoundTrip() throws {
        let loaded = try load(Self.example)
        let json = try ConfigurationReport(loaded).json()
        let decoded = try JSONDecoder().decode(WholeReport.self, from: Data(json.utf8))
        #expect(decoded.configuration == loaded.configuration)
        #expect(decoded.files == loaded.files)
    }

    @Test("each queue's JSON reads back into the same queue, with an origin for every value")
    func queueRoundTrip() throws {
        let loaded = try load(Self.example)
        for queue in loaded.configuration.queues {
            let json = try ConfigurationReport(loaded).json(queue: queue.name)
            let decoded = try JSONDecoder().decode(QueueReport.self, from: Data(json.utf8))
            #expect(decoded.queue == queue)
            #expect(decoded.origins["maxrss"] != nil)
            #expect(decoded.origins["pilots.walltime"] != nil)
        }
    }

    @Test("the table shows each value with its origin")
    func table() throws {
        let loaded = try load(Self.example)
        let text = try ConfigurationReport(loaded).text(queue: "BNL_PROD")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "queue BNL_PROD (site BNL)")
        let maxrss = try #require(lines.first { $0.hasPrefix("  maxrss ") })
        #expect(maxrss.contains("16GB"))
        #expect(maxrss.hasSuffix("bnl-slurm.yaml:14:17"))
        let maxtime = try #require(lines.first { $0.hasPrefix("  maxtime ") })
        #expect(maxtime.contains("template grid at"))
        let stdout = try #require(lines.first { $0.hasPrefix("  stdout_limit ") })
        #expect(stdout.hasSuffix("default"))
    }

    @Test("an unknown queue is refused with a suggestion")
    func unknownQueue() throws {
        let loaded = try load(Self.example)
        #expect(throws: ConfigReportError.self) { try ConfigurationReport(loaded).text(queue: "BNL_PRD") }
        do {
            _ = try ConfigurationReport(loaded).text(queue: "BNL_PRD")
        } catch {
            #expect(error.description == "no queue named 'BNL_PRD' (did you mean 'BNL_PROD'?)")
        }
    }
}
