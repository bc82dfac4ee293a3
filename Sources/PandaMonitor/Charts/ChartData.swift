import PandaCore

/// A chart's data as the page's JSON carries it: named series of
/// (time, value) points, the same ones its SVG draws. Counts per interval
/// (`bars`: attempts finished and failed) are stacked bars whose segments
/// link to the errors page of their interval; levels (`lines`: jobs
/// running, activated) are lines.
struct ChartData: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable { case bars, lines }

    struct Point: Codable, Sendable, Equatable {
        var t: Int64
        var v: Int
    }
    struct Series: Codable, Sendable, Equatable {
        var name: String
        var points: [Point]
    }
    var title: String
    var kind: Kind
    /// Seconds per point: the interval a bar counts.
    var step: Int64
    /// What the vertical axis shows.
    var unit: String
    /// Kept with each bar's link (the queue a queue page's chart is of).
    var filters: [String: String]
    var series: [Series]

    init(title: String, kind: Kind = .lines, step: Int64 = 3600, unit: String = "jobs", filters: [String: String] = [:], series: [Series]) {
        self.title = title
        self.kind = kind
        self.step = step
        self.unit = unit
        self.filters = filters
        self.series = series
    }

    static let colors = ["#2a7", "#c33", "#36c", "#c80", "#848", "#088", "#555"]

    var svg: HTML {
        switch kind {
        case .lines:
            return LineChart(title: title, series: series.enumerated().map { index, line in
                LineChart.Series(name: line.name, color: Self.colors[index % Self.colors.count],
                                 points: line.points.map { (Double($0.t), Double($0.v)) })
            }, yTitle: unit).svg
        case .bars:
            let step = self.step, filters = self.filters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            return BarChart(title: title, times: series.first?.points.map(\.t) ?? [], step: step,
                            stacks: series.enumerated().map { index, stack in
                                BarChart.Stack(name: stack.name, color: Self.colors[index % Self.colors.count], values: stack.points.map(\.v))
                            }, yTitle: unit,
                            link: { time, _ in Link.errors([("since", String(time)), ("until", String(time + step - 1))] + filters) }).svg
        }
    }

    /// One series per field, every step of the window present (0 where the
    /// server kept no sample, which it does only when every count was 0).
    static func from(_ reply: HistoryReply, title: String, kind: Kind = .lines, unit: String = "jobs", filters: [String: String] = [:],
                     fields: [(String, KeyPath<HistorySample, Int>)], until: Int64) -> ChartData {
        let step = reply.resolution.seconds
        let times = Array(stride(from: reply.since / step * step, through: until / step * step, by: Int(step)))
        let series = fields.map { name, field -> Series in
            var byTime: [Int64: Int] = [:]
            for sample in reply.samples {
                let at = sample.at / step * step
                // Levels: the highest sample of the interval; counts: their sum.
                let value = sample[keyPath: field], before = byTime[at] ?? 0
                byTime[at] = kind == .lines ? max(before, value) : before + value
            }
            return Series(name: name, points: times.map { Point(t: $0, v: byTime[$0] ?? 0) })
        }
        return ChartData(title: title, kind: kind, step: Int64(step), unit: unit, filters: filters, series: series)
    }
}
