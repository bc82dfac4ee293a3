import Foundation

/// What every benchmark program shares besides HTTP and processes: its
/// command-line options, its error, and the figures it prints.
///
/// ```swift
/// let options = BenchmarkOptions()
/// let jobs = options.integers("--jobs", default: [1000, 100000])
/// print(percentile(latencies.sorted(), 0.99))
/// ```
public struct BenchmarkOptions: Sendable {
    public let arguments: [String]

    public init(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
        self.arguments = arguments
    }

    /// The value after `name`, or `fallback`.
    public func string(_ name: String, default fallback: String) -> String {
        guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex else { return fallback }
        return arguments[arguments.index(after: index)]
    }

    public func integer(_ name: String, default fallback: Int) -> Int {
        Int(string(name, default: String(fallback))) ?? fallback
    }

    /// A comma-separated list of sizes: `--jobs 1000,100000`.
    public func integers(_ name: String, default fallback: [Int]) -> [Int] {
        guard arguments.contains(name) else { return fallback }
        return string(name, default: "").split(separator: ",").compactMap { Int($0) }
    }

    public func has(_ flag: String) -> Bool { arguments.contains(flag) }

    /// The panda binary to run, as an absolute path (`--panda`, by default the release build).
    public var panda: String {
        URL(fileURLWithPath: string("--panda", default: ".build/release/panda")).standardizedFileURL.path
    }
}

public struct BenchmarkError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The value at fraction `p` of already sorted figures (0 when there are none).
public func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// Runs `body`; on an error, says so on stderr and exits 1, so a benchmark
/// that no longer runs fails `scripts/bench-smoke` (and `make test`).
public func runBenchmark(_ name: String, _ body: () throws -> Void) {
    do {
        try body()
    } catch {
        FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
        exit(1)
    }
}
