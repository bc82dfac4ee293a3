import Foundation
import Testing

/// The journal fields docs/operations.md tells operators to filter on, under
/// a real systemd-journald: a private one, started in a mount namespace of
/// its own (tmpfs on /run and /var/log/journal), so the test needs no booted
/// systemd and touches nothing of the machine's. The server's stderr is a journal
/// stream (systemd-cat) with JOURNAL_STREAM naming it, as systemd sets it
/// for a service.
@Suite("panda server: per-job records in the journal")
struct ServerJournalTests {
    static let journald = "/lib/systemd/systemd-journald"

    @Test("journalctl PANDA_QUEUE=Q1 and PANDA_JOB_ID=N find the job's submission, dispatch and report; no field is named PANDA_PANDA_*")
    func fields() throws {
        try #require(geteuid() == 0, "this test starts its own systemd-journald in a private mount namespace, which needs root")
        try #require(FileManager.default.isExecutableFile(atPath: Self.journald), "needs \(Self.journald) (Debian's systemd package)")
        let server = try ServerProcess(start: false)
        defer { server.cleanUp() }
        let out = server.directory + "/journal"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let script = #"""
            set -eu
            panda=$1; config=$2; port=$3; out=$4
            # Its own /run and /var/log/journal: the machine's journal is never written.
            mount -t tmpfs tmpfs /run
            if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
            mkdir -p /run/systemd/journal /run/log/journal
            /lib/systemd/systemd-journald >"$out/journald.log" 2>&1 &
            journald=$!
            for _ in $(seq 100); do [ -S /run/systemd/journal/stdout ] && break; sleep 0.1; done
            systemd-cat -t panda-server /bin/sh -c 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$0" server -c "$1"' "$panda" "$config" &
            server=$!
            trap 'kill $server $journald 2>/dev/null || true; wait 2>/dev/null || true' EXIT
            for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
            user=$("$panda" token issue -c "$config" --user alice --scope submit)
            pilot=$("$panda" token issue -c "$config" --user p --scope pilot --queue Q1)
            api="http://127.0.0.1:$port/api/v1"
            curl -sS --fail-with-body -H "Authorization: Bearer $user" -H "Content-Type: application/json" \
                -d '{"jobs":[{"queue":"Q1","payload":{"executable":"/bin/true"},"resources":{"memory":"1GB","walltime":"10m"}}]}' \
                "$api/job/submit" >"$out/submit.json" || { cat "$out/submit.json"; exit 1; }
            curl -sS --fail-with-body -H "Content-Type: application/json" -H "Authorization: Bearer $pilot" \
                -d '{"queue":"Q1","node":"wn1","cores":8,"memory":"16GB","disk":"100GB","remaining":"24h","n_jobs":1}' \
                "$api/pilot/acquire_jobs" >"$out/acquire.json" || { cat "$out/acquire.json"; exit 1; }
            journalctl --sync 2>/dev/null || sleep 1
            journalctl --no-pager -o json PANDA_QUEUE=Q1 >"$out/queue.json"
            journalctl --no-pager -o json PANDA_JOB_ID=1 >"$out/job.json"
            journalctl --no-pager -o export >"$out/all.export"
            """#
        let run = try PandaProcess.runTool("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/bash", "-c", script, "journal-test",
                                                                 PandaProcess.binary, server.configPath, String(server.port), out])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr) \(SmallText.read(out + "/journald.log"))")

        func records(_ file: String) -> [[String: Any]] {
            SmallText.read(out + "/" + file).split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        let queue = records("queue.json")
        #expect(queue.contains { ($0["MESSAGE"] as? String)?.hasPrefix("job 1 submitted by alice to Q1") == true }, "\(queue)")
        #expect(queue.contains { ($0["MESSAGE"] as? String)?.hasPrefix("job 1 attempt 1 sent to pilot p on wn1") == true }, "\(queue)")
        let job = records("job.json")
        #expect(job.count >= 2, "\(job)")
        #expect(job.allSatisfy { $0["PANDA_ROLE"] as? String == "server" && $0["PANDA_QUEUE"] as? String == "Q1" })
        #expect(!SmallText.read(out + "/all.export").contains("PANDA_PANDA_"), "a doubled prefix")
    }
}

/// A small text file's contents, or "" when there is none.
enum SmallText {
    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
