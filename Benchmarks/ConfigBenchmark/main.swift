import BenchSupport
import Foundation

// `panda config check` over a grid-sized catalogue: N sites, each in its own
// included file (queues.d/SITE.yaml) with a storage endpoint and a queue that
// reads from and writes to it, as an operator's generated catalogue would be.
// Prints the wall time of each check (best of --runs); asserts nothing.
//
//   swift build -c release --product panda --product panda-config-bench
//   .build/release/panda-config-bench --panda .build/release/panda --sites 250,2500

let options = BenchmarkOptions()
let panda = options.panda
let siteCounts = options.integers("--sites", default: [250, 2500])
let runs = max(1, options.integer("--runs", default: 3))

/// Writes the catalogue into a new directory and returns the main file.
func writeCatalogue(sites: Int) throws -> (directory: String, main: String) {
    let directory = NSTemporaryDirectory() + "panda-config-bench-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory + "/queues.d", withIntermediateDirectories: true)
    try """
        server:
          listen: 127.0.0.1:25443
          database: sqlite:state/panda.db
        templates:
          grid: { maxtime: 48h, maxrss: 2GB, maxwdir: 7GB, corecount: 1, copytools: [cp, https] }
        include: [ "queues.d/*.yaml" ]

        """.write(toFile: directory + "/panda.yaml", atomically: true, encoding: .utf8)
    for site in 0..<sites {
        let name = "SITE\(site)"
        try """
            sites:
              \(name):
                storage:
                  \(name)_DISK: { url: "https://se\(site).example.org/data" }
                queues:
                  \(name)_PROD:
                    extends: grid
                    corecount: 8
                    maxrss: 16GB
                    read_from: [ \(name)_DISK ]
                    write_to: \(name)_DISK
                    pilots: { max: 500, queued: 20, per_cycle: 10, walltime: 48h }

            """.write(toFile: "\(directory)/queues.d/\(name).yaml", atomically: true, encoding: .utf8)
    }
    return (directory, directory + "/panda.yaml")
}

/// Seconds one `panda config check` takes; throws unless it passes.
func timeCheck(_ main: String) throws -> Double {
    let start = Date()
    _ = try BenchProcess.output(of: panda, ["config", "check", "-c", main], environment: ["PATH": "/usr/bin:/bin"])
    return Date().timeIntervalSince(start)
}

runBenchmark("panda-config-bench") {
    print("| sites (one included file each) | queues | config check, best of \(runs) | per site |")
    print("| ---: | ---: | ---: | ---: |")
    for sites in siteCounts {
        let (directory, main) = try writeCatalogue(sites: sites)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let best = try (0..<runs).map { _ in try timeCheck(main) }.min() ?? 0
        print(String(format: "| %d | %d | %.3f s | %.0f µs |", sites, sites, best, best / Double(sites) * 1_000_000))
    }
}
