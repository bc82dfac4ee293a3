import Foundation

/// Counts per interval as stacked bars over labelled axes: one bar per
/// interval, one segment per series (finished below, failed above), each
/// segment a link to the page that lists what it counts. Segments carry
/// `data-series`, `data-t` (the interval's start) and `data-v`, so tests and
/// scripts can read what was drawn.
///
/// ```swift
/// BarChart(title: "per hour", times: hours, step: 3600, stacks: [finished, failed], yTitle: "attempts per hour",
///          link: { t, _ in Link.errors([("since", String(t)), ("until", String(t + 3599))]) }).svg
/// ```
struct BarChart {
    struct Stack {
        var name: String
        var color: String
        var values: [Int]
    }

    var title: String
    /// The start of each interval, one bar each.
    var times: [Int64]
    var step: Int64
    var stacks: [Stack]
    var yTitle: String
    /// Where a segment leads: given the interval's start and the series' name.
    var link: (Int64, String) -> String

    var svg: HTML {
        var totals = [Int](repeating: 0, count: times.count)
        for stack in stacks {
            for (index, value) in stack.values.enumerated() where index < totals.count { totals[index] += value }
        }
        let first = Double(times.first ?? 0), last = Double((times.last ?? 0) + step)
        let axes = ChartAxes(minX: first, maxX: last, maxY: Double(totals.max() ?? 0), yTitle: yTitle,
                             xTitle: step >= 3600 ? "hour starting (UTC)" : "minute starting (UTC)")
        let slot = axes.plotWidth / Double(max(times.count, 1))
        let barWidth = max(1, slot * 0.8)
        var bars: [HTML] = []
        for (index, time) in times.enumerated() {
            var below = 0.0
            let x = axes.fmt(axes.x(Double(time)) + (slot - barWidth) / 2)
            for stack in stacks {
                let value = stack.values.indices.contains(index) ? stack.values[index] : 0
                guard value > 0 else { continue }
                let top = axes.y(below + Double(value)), height = axes.y(below) - top
                below += Double(value)
                bars.append("""
                    <a href="\(link(time, stack.name))" data-series="\(stack.name)" data-t="\(time)" data-v="\(value)">\
                    <rect x="\(x)" y="\(axes.fmt(top))" width="\(axes.fmt(barWidth))" height="\(axes.fmt(max(height, 2)))" fill="\(stack.color)">\
                    <title>\(Format.time(Double(time))): \(value) \(stack.name)</title></rect></a>
                    """)
            }
        }
        let legend = stacks.enumerated().map { index, stack -> HTML in
            "<text x=\"\(Int(axes.left) + index * 160)\" y=\"\(Int(axes.height) + 12)\" fill=\"\(stack.color)\">■ \(stack.name)</text>"
        }.joined()
        let empty: HTML = totals.allSatisfy { $0 == 0 }
            ? "<text x=\"\(Int(axes.width / 2) - 60)\" y=\"\(Int(axes.top + axes.plotHeight / 2))\">nothing ended in this window</text>" : ""
        return """
            <figure><figcaption>\(title)</figcaption>
            <svg xmlns="http://www.w3.org/2000/svg" class="chart bars" width="\(Int(axes.width))" height="\(Int(axes.height) + 16)" \
            viewBox="0 0 \(Int(axes.width)) \(Int(axes.height) + 16)" role="img" aria-label="\(title)">\(axes.svg)\(bars)\(legend)\(empty)</svg></figure>
            """
    }
}
