import Foundation

/// The frame both chart kinds share: the plot area, a vertical axis with
/// round-numbered ticks and its title, a time axis with ticks at round
/// times (hours, days) in UTC and its title.
///
/// ```swift
/// let axes = ChartAxes(minX: t0, maxX: t1, maxY: 37, yTitle: "attempts per hour", xTitle: "hour starting, UTC")
/// axes.x(t0 + 3600); axes.y(12); axes.svg
/// ```
struct ChartAxes {
    var width = 640.0
    var height = 200.0
    let left = 52.0, bottom = 40.0, top = 10.0, right = 12.0
    let minX: Double
    let maxX: Double
    /// The top of the vertical axis: a round number at or above the largest value.
    let topY: Double
    let yTicks: [Double]
    let yTitle: String
    let xTitle: String

    init(minX: Double, maxX: Double, maxY: Double, yTitle: String, xTitle: String) {
        self.minX = minX
        self.maxX = max(maxX, minX + 1)
        let tick = Self.roundStep(max(maxY, 1) / 4)
        topY = (max(maxY, 1) / tick).rounded(.up) * tick
        yTicks = stride(from: 0, through: topY, by: tick).map { $0 }
        self.yTitle = yTitle
        self.xTitle = xTitle
    }

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }
    var baseline: Double { top + plotHeight }

    func x(_ value: Double) -> Double { left + (value - minX) / (maxX - minX) * plotWidth }
    func y(_ value: Double) -> Double { baseline - value / topY * plotHeight }

    /// 1, 2 or 5 times a power of ten, at least `raw` (whole numbers: these are counts).
    static func roundStep(_ raw: Double) -> Double {
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        for factor in [1.0, 2, 5, 10] where factor * magnitude >= raw { return factor * magnitude }
        return 10 * magnitude
    }

    static let tickSpacings: [Int64] = [3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800]

    /// Time ticks: the smallest round spacing that gives at most eight labels.
    var timeTicks: (spacing: Int64, times: [Int64]) {
        let span = Int64(maxX - minX)
        var spacing: Int64 = 604_800
        for candidate in Self.tickSpacings where span / candidate <= 8 {
            spacing = candidate
            break
        }
        let start = Int64(minX), end = Int64(maxX)
        let first: Int64 = (start + spacing - 1) / spacing * spacing
        let times: [Int64] = Array(stride(from: first, through: end, by: Int(spacing)))
        return (spacing, times)
    }

    static func label(_ time: Int64, spacing: Int64) -> String {
        let text = Format.time(Double(time))   // 2026-12-01 13:00:00Z
        let date = text.dropFirst(5).prefix(5), clock = text.dropFirst(11).prefix(5)
        if spacing >= 86_400 { return String(date) }
        return clock == "00:00" ? "\(date) \(clock)" : String(clock)
    }

    func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    var svg: HTML {
        let leftX = fmt(left), rightX = fmt(width - right), bottomY = fmt(baseline), topLine = fmt(top)
        var parts: [HTML] = [
            "<line x1=\"\(leftX)\" y1=\"\(bottomY)\" x2=\"\(rightX)\" y2=\"\(bottomY)\" stroke=\"#999\"/>",
            "<line x1=\"\(leftX)\" y1=\"\(topLine)\" x2=\"\(leftX)\" y2=\"\(bottomY)\" stroke=\"#999\"/>",
        ]
        for tick in yTicks {
            let at = fmt(y(tick))
            parts.append("""
                <line x1=\"\(fmt(left - 4))\" y1=\"\(at)\" x2=\"\(rightX)\" y2=\"\(at)\" stroke=\"#eee\"/>\
                <text class=\"y-tick\" x=\"\(fmt(left - 6))\" y=\"\(fmt(y(tick) + 3))\" text-anchor=\"end\">\(Int(tick))</text>
                """)
        }
        let (spacing, times) = timeTicks
        for time in times {
            let at = fmt(x(Double(time)))
            parts.append("""
                <line x1=\"\(at)\" y1=\"\(bottomY)\" x2=\"\(at)\" y2=\"\(fmt(baseline + 4))\" stroke=\"#999\"/>\
                <text class=\"x-tick\" x=\"\(at)\" y=\"\(fmt(baseline + 15))\" text-anchor=\"middle\">\(Self.label(time, spacing: spacing))</text>
                """)
        }
        parts.append("""
            <text class=\"x-title\" x=\"\(fmt(left + plotWidth / 2))\" y=\"\(fmt(height - 4))\" text-anchor=\"middle\">\(xTitle)</text>\
            <text class=\"y-title\" x=\"12\" y=\"\(fmt(top + plotHeight / 2))\" text-anchor=\"middle\" \
            transform=\"rotate(-90 12 \(fmt(top + plotHeight / 2)))\">\(yTitle)</text>
            """)
        return parts.joined()
    }
}
