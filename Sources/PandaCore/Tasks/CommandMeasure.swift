/// The size a job's command (arguments and environment, as `execve`
/// counts them) will have once its placeholders are expanded, worked out
/// from counts taken once per task, so a task's jobs can be measured
/// before any of them is built: `%IN` a thousand times over a thousand
/// inputs is refused, not allocated.
///
/// ```swift
/// let measure = CommandMeasure(task.payload)
/// measure.bytes(inputs: ["a.root", "b.root"], outputs: ["x.out"], job: 1)
/// ```
public struct CommandMeasure: Sendable {
    /// Literal text, one NUL per argument, and the whole environment.
    var fixedBytes = 0
    /// `%IN` and `%IN_CSV` inside an argument: all input names, joined.
    var joinedInputs = 0
    /// Arguments that are exactly `%IN`: one argument per input.
    var wholeInputs = 0
    var jobNumbers = 0
    /// Output number → how often it is used.
    var outputs: [Int: Int] = [:]

    public init(_ payload: Payload) {
        var fixed = SpecLimits.commandBytes(arguments: [], environment: payload.environment)
        var joined = 0, whole = 0, jobs = 0
        var used: [Int: Int] = [:]
        for argument in payload.arguments {
            if argument == "%IN" {
                whole += 1
                continue
            }
            fixed += 1
            Placeholders.visit(argument) { token in
                switch token {
                case .text(let text): fixed += text.utf8.count
                case .percent: fixed += 1
                case .inputs, .inputsCSV: joined += 1
                case .job: jobs += 1
                case .output(let n): used[n, default: 0] += 1
                }
            }
        }
        (fixedBytes, joinedInputs, wholeInputs, jobNumbers, outputs) = (fixed, joined, whole, jobs, used)
    }

    /// The expanded command's bytes for one job; saturates instead of overflowing.
    public func bytes(inputs: some Sequence<String>, outputs outputNames: [String], job: Int) -> Int {
        var count = 0
        var inputBytes = 0
        for name in inputs {
            count += 1
            inputBytes += name.utf8.count
        }
        let joined = inputBytes + max(count - 1, 0)
        var total = fixedBytes
        func add(_ times: Int, _ each: Int) {
            let (product, overflow) = times.multipliedReportingOverflow(by: each)
            total = overflow ? Int.max : (total > Int.max - product ? Int.max : total + product)
        }
        add(joinedInputs, joined)
        add(wholeInputs, inputBytes + count)
        add(jobNumbers, String(job).utf8.count)
        for (n, times) in outputs {
            add(times, n <= outputNames.count ? outputNames[n - 1].utf8.count : "%OUT\(n)".utf8.count)
        }
        return total
    }
}
