import Foundation

/// A small inline SVG line chart: one polyline per series over a shared
/// time axis, with the range of each axis written at its ends. Each
/// polyline carries `data-series` and `data-points`, so tests and scripts
/// can read what was drawn.
///
/// ```swift
/// LineChart(title: "failed per hour", series: [.init(name: "failed", color: "#c33", points: [(t0, 3), (t1, 5)])]).svg
/// ```
struct LineChart {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
    }

    var title: String
    var series: [Series]
    var width = 640.0
    var height = 160.0
    /// Inner margins for the axis labels.
    let left = 40.0, bottom = 16.0, top = 8.0, right = 8.0

    var svg: HTML {
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.map(\.y) }
        let minX = xs.min() ?? 0, maxX = max(xs.max() ?? 1, minX + 1)
        let maxY = max(ys.max() ?? 1, 1)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ value: Double) -> String { String(format: "%.1f", left + (value - minX) / (maxX - minX) * plotWidth) }
        func y(_ value: Double) -> String { String(format: "%.1f", top + plotHeight - value / maxY * plotHeight) }
        let lines = series.map { line -> HTML in
            let points = line.points.map { "\(x($0.x)),\(y($0.y))" }.joined(separator: " ")
            return """
                <polyline fill="none" stroke="\(line.color)" stroke-width="1.5" data-series="\(line.name)" \
                data-points="\(line.points.count)" points="\(points)"><title>\(line.name)</title></polyline>
                """
        }.joined()
        let legend = series.enumerated().map { index, line -> HTML in
            let offset = Int(left) + index * 110
            return "<text x=\"\(offset)\" y=\"\(Int(height) + 12)\" fill=\"\(line.color)\">■ \(line.name)</text>"
        }.joined()
        let bottomY = Int(top + plotHeight), leftX = Int(left), rightX = Int(width - right), topY = Int(top)
        let labelY = Int(height) - 2
        let firstTime = xs.isEmpty ? "" : Format.time(minX), lastTime = xs.isEmpty ? "" : Format.time(maxX)
        let xAxis: HTML = "<line x1=\"\(leftX)\" y1=\"\(bottomY)\" x2=\"\(rightX)\" y2=\"\(bottomY)\" stroke=\"#999\"/>"
        let yAxis: HTML = "<line x1=\"\(leftX)\" y1=\"\(topY)\" x2=\"\(leftX)\" y2=\"\(bottomY)\" stroke=\"#999\"/>"
        let yLabels: HTML = "<text x=\"2\" y=\"\(topY + 8)\">\(Int(maxY))</text><text x=\"2\" y=\"\(bottomY)\">0</text>"
        let xLabels: HTML = "<text x=\"\(leftX)\" y=\"\(labelY)\">\(firstTime)</text><text x=\"\(rightX - 130)\" y=\"\(labelY)\">\(lastTime)</text>"
        let axes = xAxis + yAxis + yLabels + xLabels
        let empty: HTML = xs.isEmpty ? "<text x=\"\(Int(width / 2) - 40)\" y=\"\(Int(height / 2))\">no samples yet</text>" : ""
        return """
            <figure><figcaption>\(title)</figcaption>
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="\(Int(width))" height="\(Int(height) + 16)" \
            viewBox="0 0 \(Int(width)) \(Int(height) + 16)" role="img" aria-label="\(title)">\(axes)\(lines)\(legend)\(empty)</svg></figure>
            """
    }

    /// Hourly (or minute) samples as points of every hour in the window,
    /// zero where no sample was kept (the server keeps no all-zero rows).
    static func filled(_ samples: [(at: Int64, value: Int)], from since: Int64, to until: Int64, step: Int64) -> [(x: Double, y: Double)] {
        var byTime: [Int64: Int] = [:]
        for sample in samples { byTime[sample.at / step * step, default: 0] += sample.value }
        return stride(from: since / step * step, through: until / step * step, by: Int(step)).map { (Double($0), Double(byTime[$0] ?? 0)) }
    }
}
