/// The placeholders a task's arguments may hold, expanded for each job.
///
/// | placeholder | becomes |
/// | --- | --- |
/// | `%IN` | the job's input file names, space-separated; as a whole argument, one argument per file |
/// | `%IN_CSV` | the input file names, comma-separated (prun's `%IN`) |
/// | `%OUT`, `%OUT1`, `%OUT2`… | the job's first, first, second… output file name |
/// | `%JOB` | the job's number in its task, from 1 |
/// | `%%` | a literal `%` |
///
/// Anything else after `%` is left as written, so `printf '%d'` survives.
public enum Placeholders {
    public struct Values: Sendable {
        public var inputs: [String]
        public var outputs: [String]
        public var job: Int

        public init(inputs: [String], outputs: [String], job: Int) {
            self.inputs = inputs
            self.outputs = outputs
            self.job = job
        }
    }

    /// One argument, expanded: `%IN` alone becomes one argument per input.
    public static func expand(_ argument: String, _ values: Values) -> [String] {
        if argument == "%IN" { return values.inputs }
        return [substitute(argument, values)]
    }

    /// The output numbers (1-based) an argument refers to, so a task that
    /// uses `%OUT3` with two outputs is refused before any job is made.
    public static func outputsReferenced(in argument: String) -> [Int] {
        var numbers: [Int] = []
        scan(argument) { token in
            if case .output(let n) = token { numbers.append(n) }
        }
        return numbers
    }

    public static func usesInputs(_ argument: String) -> Bool {
        var uses = false
        scan(argument) { token in
            if case .inputs = token { uses = true }
            if case .inputsCSV = token { uses = true }
        }
        return uses
    }

    enum Token {
        case text(Substring)
        case inputs, inputsCSV, output(Int), job, percent
    }

    private static func substitute(_ argument: String, _ values: Values) -> String {
        var result = ""
        scan(argument) { token in
            switch token {
            case .text(let text): result += text
            case .inputs: result += values.inputs.joined(separator: " ")
            case .inputsCSV: result += values.inputs.joined(separator: ",")
            case .output(let n): result += n <= values.outputs.count ? values.outputs[n - 1] : "%OUT\(n)"
            case .job: result += String(values.job)
            case .percent: result += "%"
            }
        }
        return result
    }

    /// The argument's tokens in order, for measuring without expanding.
    static func visit(_ argument: String, _ body: (Token) -> Void) { scan(argument, body) }

    private static func scan(_ argument: String, _ visit: (Token) -> Void) {
        var rest = argument[...]
        while let percent = rest.firstIndex(of: "%") {
            if percent > rest.startIndex { visit(.text(rest[rest.startIndex..<percent])) }
            let after = rest[rest.index(after: percent)...]
            if after.hasPrefix("%") {
                visit(.percent)
                rest = after.dropFirst()
            } else if after.hasPrefix("IN_CSV") {
                visit(.inputsCSV)
                rest = after.dropFirst(6)
            } else if after.hasPrefix("IN") {
                visit(.inputs)
                rest = after.dropFirst(2)
            } else if after.hasPrefix("OUT") {
                let digits = after.dropFirst(3).prefix(while: \.isASCII).prefix(while: \.isNumber)
                visit(.output(Int(digits).map { max($0, 1) } ?? 1))
                rest = after.dropFirst(3 + digits.count)
            } else if after.hasPrefix("JOB") {
                visit(.job)
                rest = after.dropFirst(3)
            } else {
                visit(.text("%"))
                rest = after
            }
        }
        if !rest.isEmpty { visit(.text(rest)) }
    }
}
