import BenchSupport
import Foundation

// Task submission: registers N files in a dataset (50,000 per request; their
// replicas under the DISK endpoint's base, as the catalogue requires), then
// times one `task/submit` that splits it into N jobs (one file each) and
// stores them durably, then one `task/get_status` of the stored task.
//
//   .build/release/panda-dispatch-bench --panda .build/release/panda --task-jobs 10000,100000

func benchmarkTask(jobs: Int) throws {
    let bench = try BenchServer(queues: ["BENCH_Q", "BENCH_R"])
    defer { bench.stop() }
    let user = try bench.token("bench", scope: "submit")
    let client: HTTPClient = bench.connection

    let registerStart = Date()
    for start in stride(from: 0, to: jobs, by: 50_000) {
        let files = (start..<min(start + 50_000, jobs)).map { index in
            #"{"scope":"user.bench","lfn":"evt-\#(index).root","size":1000000,"checksum":"ad:0000abcd","replicas":[{"storage":"DISK","url":"/tmp/bench/user.bench/evt-\#(index).root"}]}"#
        }
        let body = Array((#"{"dataset":"user.bench.raw","files":["# + files.joined(separator: ",") + "]}").utf8)
        let reply = try client.post("/api/v1/dataset/add_files", token: user, body: body)
        guard reply.status == 200 else { throw BenchmarkError("add_files: \(reply.status) \(String(decoding: reply.body, as: UTF8.self))") }
    }
    let registerSeconds = Date().timeIntervalSince(registerStart)

    let task = #"{"task":{"name":"bench","in_ds":["user.bench.raw"],"out_ds":"user.bench.out","payload":{"executable":"reco.sh","arguments":["%IN","%OUT"]},"resources":{"cores":1,"memory":"2GB","walltime":"2h"}}}"#
    let submitStart = Date()
    let reply = try client.post("/api/v1/task/submit", token: user, body: Array(task.utf8))
    let submitSeconds = Date().timeIntervalSince(submitStart)
    guard reply.status == 200,
          let object = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any],
          let data = object["data"] as? [String: Any], let id = data["task_id"] as? Int, data["jobs"] as? Int == jobs else {
        throw BenchmarkError("task/submit: \(reply.status) \(String(decoding: reply.body.prefix(300), as: UTF8.self))")
    }
    let statusStart = Date()
    let status = try client.post("/api/v1/task/get_status", token: user, body: Array(#"{"task_id":\#(id)}"#.utf8))
    let statusSeconds = Date().timeIntervalSince(statusStart)
    guard status.status == 200 else { throw BenchmarkError("task/get_status: \(status.status)") }
    print(String(format: "task of %7d jobs | register files %6.0f files/s | task/submit answered in %5.2f s (%6.0f jobs/s) | task/get_status %6.1f ms",
                 jobs, Double(jobs) / registerSeconds, submitSeconds, Double(jobs) / submitSeconds, statusSeconds * 1000))
}
