import Foundation

/// Figures of several policies at several loads of one scenario, as a Markdown table and SVG plots.
public struct SimulationReport: Sendable {
    /// One policy at one load.
    public struct Entry: Sendable {
        /// Load factor (arrival rate multiplier).
        public var load: Double
        /// The figures (``RunMetrics/name`` is the policy's report name, e.g. `static-best`).
        public var metrics: RunMetrics
        /// The policy's setting when the name does not say it (e.g. `512x64` for `static-best`).
        public var setting: String

        public init(load: Double, metrics: RunMetrics, setting: String = "") {
            self.load = load
            self.metrics = metrics
            self.setting = setting
        }
    }

    /// A title for the plots (trace, truth, SLA).
    public var title: String
    public var entries: [Entry]

    public init(title: String, entries: [Entry] = []) {
        self.title = title
        self.entries = entries
    }

    /// One Markdown table: a row per (load, policy) in entry order.
    public func markdown() -> String {
        var s = "| load | policy | setting | goodput tok/s | throughput tok/s | offered tok/s | steps > SLA | "
            + "TTFT p50 ms | TTFT p99 ms | TPOT p50 ms | TPOT p99 ms | queue | good / served / dropped |\n"
        s += "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
        for e in entries {
            let m = e.metrics
            s += "| \(Self.format(e.load, 2)) | \(m.name) | \(e.setting) | \(Self.format(m.goodputTokensPerSecond, 1)) | "
                + "\(Self.format(m.throughputTokensPerSecond, 1)) | \(Self.format(m.offeredTokensPerSecond, 1)) | "
                + "\(Self.format(m.sloMissFraction * 100, 2))% | \(Self.format(m.ttftP50Ms, 0)) | "
                + "\(Self.format(m.ttftP99Ms, 0)) | \(Self.format(m.tpotP50Ms, 1)) | \(Self.format(m.tpotP99Ms, 1)) | "
                + "\(Self.format(m.meanQueueLength, 1)) | \(m.goodRequests) / \(m.servedRequests) / \(m.droppedRequests) |\n"
        }
        return s
    }

    /// What an SVG plot shows on its y axis.
    public enum Plotted: String, Sendable {
        /// Goodput in output tokens per second.
        case goodput
        /// Percentage of steps over the SLA.
        case sloMisses
    }

    /// A line plot of `plotted` against load (log scale), one line per policy name.
    public func svg(_ plotted: Plotted) -> String {
        let width = 720.0
        let height = 420.0
        let left = 70.0
        let right = 200.0
        let top = 40.0
        let bottom = 50.0
        func value(_ m: RunMetrics) -> Double {
            plotted == .goodput ? m.goodputTokensPerSecond : m.sloMissFraction * 100
        }
        var names: [String] = []
        for e in entries where !names.contains(e.metrics.name) { names.append(e.metrics.name) }
        let loads = entries.map(\.load).filter { $0 > 0 }
        let ys = entries.map { value($0.metrics) }.filter(\.isFinite)
        let xmin = Foundation.log10(loads.min() ?? 1)
        var xmax = Foundation.log10(loads.max() ?? 10)
        if xmax <= xmin { xmax = xmin + 1 }
        var ymax = ys.max() ?? 1
        if ymax <= 0 { ymax = 1 }
        ymax *= 1.05
        func px(_ load: Double) -> Double { left + (Foundation.log10(load) - xmin) / (xmax - xmin) * (width - left - right) }
        func py(_ v: Double) -> Double { top + (1 - v / ymax) * (height - top - bottom) }
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        let label = plotted == .goodput ? "goodput (output tokens/s)" : "steps over the SLA (%)"
        s += "<text x=\"\(left)\" y=\"20\" font-size=\"14\">\(Self.escape(title)): \(label)</text>\n"
        // Axes and ticks.
        s += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - right)\" y2=\"\(height - bottom)\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(height - bottom)\" stroke=\"black\"/>\n"
        var tickLoads: [Double] = []
        for l in loads where !tickLoads.contains(l) { tickLoads.append(l) }
        for l in tickLoads {
            let x = px(l)
            s += "<line x1=\"\(x)\" y1=\"\(height - bottom)\" x2=\"\(x)\" y2=\"\(height - bottom + 5)\" stroke=\"black\"/>\n"
            s += "<text x=\"\(x)\" y=\"\(height - bottom + 18)\" text-anchor=\"middle\">\(Self.format(l, 2))</text>\n"
        }
        s += "<text x=\"\((left + width - right) / 2)\" y=\"\(height - 10)\" text-anchor=\"middle\">load (x trace rate, log scale)</text>\n"
        for k in 0...4 {
            let v = ymax * Double(k) / 4
            let y = py(v)
            s += "<line x1=\"\(left - 5)\" y1=\"\(y)\" x2=\"\(width - right)\" y2=\"\(y)\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(left - 8)\" y=\"\(y + 4)\" text-anchor=\"end\">\(Self.format(v, v >= 100 ? 0 : 1))</text>\n"
        }
        for (i, name) in names.enumerated() {
            let color = colors[i % colors.count]
            let points = entries.filter { $0.metrics.name == name && $0.load > 0 && value($0.metrics).isFinite }
                .sorted { $0.load < $1.load }
                .map { "\(Self.format(px($0.load), 1)),\(Self.format(py(value($0.metrics)), 1))" }
            if !points.isEmpty {
                s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
                for p in points {
                    let xy = p.split(separator: ",")
                    s += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(color)\"/>\n"
                }
            }
            let ly = top + 18 * Double(i)
            s += "<line x1=\"\(width - right + 15)\" y1=\"\(ly)\" x2=\"\(width - right + 35)\" y2=\"\(ly)\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            s += "<text x=\"\(width - right + 40)\" y=\"\(ly + 4)\">\(Self.escape(name))</text>\n"
        }
        s += "</svg>\n"
        return s
    }

    static func format(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return v.isNaN ? "n/a" : "inf" }
        return String(format: "%.\(digits)f", v)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
