import PandaCore

/// A chart's data as the page's JSON carries it: named series of
/// (time, value) points, the same ones its SVG draws.
struct ChartData: Codable, Sendable, Equatable {
    struct Point: Codable, Sendable, Equatable {
        var t: Int64
        var v: Int
    }
    struct Series: Codable, Sendable, Equatable {
        var name: String
        var points: [Point]
    }
    var title: String
    var series: [Series]

    static let colors = ["#2a7", "#c33", "#36c", "#c80", "#848", "#088", "#555"]

    var svg: HTML {
        LineChart(title: title, series: series.enumerated().map { index, line in
            LineChart.Series(name: line.name, color: Self.colors[index % Self.colors.count],
                             points: line.points.map { (Double($0.t), Double($0.v)) })
        }).svg
    }

    /// One series per field, every step of the window present (0 where the
    /// server kept no sample, which it does only when every count was 0).
    static func from(_ reply: HistoryReply, title: String, fields: [(String, KeyPath<HistorySample, Int>)], until: Int64) -> ChartData {
        let step = reply.resolution.seconds
        let times = Array(stride(from: reply.since / step * step, through: until / step * step, by: Int(step)))
        let series = fields.map { name, field -> Series in
            var byTime: [Int64: Int] = [:]
            for sample in reply.samples { byTime[sample.at / step * step, default: 0] += sample[keyPath: field] }
            return Series(name: name, points: times.map { Point(t: $0, v: byTime[$0] ?? 0) })
        }
        return ChartData(title: title, series: series)
    }
}
