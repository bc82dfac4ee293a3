import Foundation
import Logging
import Testing
@testable import PandaSystem

@Suite("journal logging")
struct JournalFieldsTests {
    @Test("a record carries the message, priority, role, code location and metadata as PANDA_ fields")
    func fields() {
        let fields = JournalFields.make(
            message: "dispatched", level: .warning, role: "server", label: "panda.dispatcher",
            metadata: ["job_id": "42", "queue": "BNL_PROD", "odd-key.x": "v"],
            file: "Dispatcher.swift", line: 10, function: "claim()")
        #expect(fields.contains("MESSAGE=dispatched"))
        #expect(fields.contains("PRIORITY=4"))
        #expect(fields.contains("PANDA_ROLE=server"))
        #expect(fields.contains("PANDA_JOB_ID=42"))
        #expect(fields.contains("PANDA_QUEUE=BNL_PROD"))
        #expect(fields.contains("PANDA_ODD_KEY_X=v"))
        #expect(fields.contains("CODE_FILE=Dispatcher.swift"))
        #expect(fields.contains("CODE_LINE=10"))
    }

    @Test("a key that already says panda is not prefixed twice")
    func noDoubledPrefix() {
        #expect(JournalFields.fieldName(for: "panda.queue") == "PANDA_QUEUE")
        #expect(JournalFields.fieldName(for: "PANDA_JOB_ID") == "PANDA_JOB_ID")
        #expect(JournalFields.fieldName(for: "queue") == "PANDA_QUEUE")
        #expect(JournalFields.fieldName(for: "pandas") == "PANDA_PANDAS")
    }

    @Test("levels map to syslog priorities")
    func priorities() {
        #expect(JournalFields.priority(of: .critical) == 2)
        #expect(JournalFields.priority(of: .error) == 3)
        #expect(JournalFields.priority(of: .info) == 6)
        #expect(JournalFields.priority(of: .debug) == 7)
    }

    @Test("JOURNAL_STREAM counts only when it names this process's stderr")
    func journalDetection() {
        var status = stat()
        fstat(STDERR_FILENO, &status)
        let own = "\(status.st_dev):\(status.st_ino)"
        #expect(LoggingSetup.stderrIsJournal(environment: ["JOURNAL_STREAM": own]))
        #expect(!LoggingSetup.stderrIsJournal(environment: ["JOURNAL_STREAM": "1:2"]))
        #expect(!LoggingSetup.stderrIsJournal(environment: ["JOURNAL_STREAM": "junk"]))
        #expect(!LoggingSetup.stderrIsJournal(environment: [:]))
    }
}
