import Foundation

/// A small inline SVG line chart for levels over time (jobs running,
/// activated): one polyline per series over labelled axes. Each polyline
/// carries `data-series` and `data-points`, so tests and scripts can read
/// what was drawn. Counts per interval are bars (`BarChart`), not lines.
///
/// ```swift
/// LineChart(title: "running", series: [.init(name: "Q1", color: "#2a7", points: [(t0, 3), (t1, 5)])], yTitle: "jobs").svg
/// ```
struct LineChart {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
    }

    var title: String
    var series: [Series]
    var yTitle = "jobs"
    var xTitle = "time (UTC)"

    var svg: HTML {
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.map(\.y) }
        let axes = ChartAxes(minX: xs.min() ?? 0, maxX: xs.max() ?? 1, maxY: ys.max() ?? 1, yTitle: yTitle, xTitle: xTitle)
        let lines = series.map { line -> HTML in
            let points = line.points.map { "\(axes.fmt(axes.x($0.x))),\(axes.fmt(axes.y($0.y)))" }.joined(separator: " ")
            return """
                <polyline fill="none" stroke="\(line.color)" stroke-width="1.5" data-series="\(line.name)" \
                data-points="\(line.points.count)" points="\(points)"><title>\(line.name)</title></polyline>
                """
        }.joined()
        let legend = series.enumerated().map { index, line -> HTML in
            "<text x=\"\(Int(axes.left) + index * 110)\" y=\"\(Int(axes.height) + 12)\" fill=\"\(line.color)\">■ \(line.name)</text>"
        }.joined()
        let empty: HTML = xs.isEmpty ? "<text x=\"\(Int(axes.width / 2) - 40)\" y=\"\(Int(axes.height / 2))\">no samples yet</text>" : ""
        return """
            <figure><figcaption>\(title)</figcaption>
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="\(Int(axes.width))" height="\(Int(axes.height) + 16)" \
            viewBox="0 0 \(Int(axes.width)) \(Int(axes.height) + 16)" role="img" aria-label="\(title)">\(xs.isEmpty ? "" : axes.svg)\(lines)\(legend)\(empty)</svg></figure>
            """
    }
}
