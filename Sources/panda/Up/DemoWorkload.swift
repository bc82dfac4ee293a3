import Foundation
import PandaClient
import PandaCore

/// The demo `panda up --demo` submits: jobs that each read an input file
/// from the local storage endpoint (checked against its adler32) and write an
/// output, so a newcomer sees stage-in, payload, stage-out and logs at work.
struct DemoWorkload {
    let jobs: Int
    /// The local storage endpoint's directory, where inputs are made.
    let storage: String
    let queue: String
    /// The endpoint's name, under which the inputs' replicas are.
    let endpoint: String
    /// The submitter's own scope, the only one they may write in.
    let scope: String
    /// Names this run's outputs and logs: a registered file never changes,
    /// so a second demo writes new names instead of the first one's.
    var run = DemoWorkload.stamp(Date())

    /// `20261207-013800`, in UTC.
    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: date)
    }

    func specs() throws -> [JobSpec] {
        let inputs = storage + "/demo/inputs"
        try FileManager.default.createDirectory(atPath: inputs, withIntermediateDirectories: true)
        return try (1...jobs).map { index in
            let name = String(format: "events-%03d.txt", index)
            let bytes = Array((1...(100 + index)).map { "event \($0) of run \(index)\n" }.joined().utf8)
            let path = inputs + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            var adler = Adler32()
            adler.update(bytes)
            let output = "demo-\(run)-" + String(format: "%03d.summary.txt", index)
            return JobSpec(
                name: "demo-\(index)", queue: queue,
                payload: Payload(executable: "/bin/sh", arguments: ["-c", "wc -l \(name) > \(output); sleep 0.5; cat \(output)"]),
                resources: ResourceRequest(cores: 1, walltime: .minutes(10)),
                inputs: [InputFile(lfn: name, scope: scope, size: Int64(bytes.count), checksum: "ad:\(adler.hex)",
                                   replicas: [Replica(storage: endpoint, url: "file://" + path)])],
                outputs: [OutputFile(lfn: output, scope: scope)],
                log: OutputFile(lfn: "demo-\(run)-" + String(format: "%03d.log.tgz", index), scope: scope))
        }
    }
}

/// Prints how the demo's jobs are doing until all have ended: one updating
/// line on a terminal, a line per change otherwise.
struct DemoProgress {
    let client: PandaClient
    let ids: [Int64]
    let isTerminal = isatty(STDOUT_FILENO) == 1

    /// True when every job finished.
    func follow(stopRequested: () -> Bool) async -> Bool {
        var last = ""
        while !stopRequested() {
            guard let statuses = try? await client.status(of: ids) else {
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            var counts: [JobState: Int] = [:]
            for status in statuses { counts[status.state, default: 0] += 1 }
            let done = statuses.filter { $0.state.isFinal }.count
            let line = progressBar(done, of: ids.count) + " "
                + "\(done)/\(ids.count) ended: " + JobState.allCases.compactMap { state in
                    counts[state].map { "\($0) \(state.rawValue)" }
                }.joined(separator: ", ")
            if line != last {
                print(isTerminal ? "\r\u{1B}[K" + line : line, terminator: isTerminal ? "" : "\n")
                fflush(nil)   // every stream: stdout is a C global Swift 6 will not touch
                last = line
            }
            if done == ids.count {
                if isTerminal { print("") }
                return counts[.finished] == ids.count
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        if isTerminal { print("") }
        return false
    }
}
