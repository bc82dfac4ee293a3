import PandaCore
import Testing

@Suite("queue status")
struct QueueStatusTests {
    @Test("only online queues take brokerage; only offline queues serve no pilots")
    func meaning() {
        #expect(QueueStatus.allCases.filter(\.acceptsBrokerage) == [.online])
        #expect(QueueStatus.allCases.filter { !$0.servesPilots } == [.offline])
    }
}
