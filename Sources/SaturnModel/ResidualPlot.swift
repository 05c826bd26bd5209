/// A residuals-against-predictions scatter plot as a self-contained SVG document (DESIGN §2.5).
public struct ResidualPlot: Sendable {
    /// Plot title.
    public var title: String
    /// Predicted latencies (x axis, ms).
    public var predictions: [Double]
    /// Residuals `T − T̂` (y axis, ms).
    public var residuals: [Double]
    /// Canvas size in pixels.
    public var width: Double = 640
    public var height: Double = 420

    public init(title: String, predictions: [Double], residuals: [Double]) {
        precondition(predictions.count == residuals.count)
        self.title = title
        self.predictions = predictions
        self.residuals = residuals
    }

    public init(title: String, analysis: ResidualAnalysis) {
        self.init(title: title, predictions: analysis.predictions, residuals: analysis.residuals)
    }

    /// The SVG text.
    public var svg: String {
        let left = 70.0, right = 20.0, top = 40.0, bottom = 50.0
        let plotW = width - left - right
        let plotH = height - top - bottom
        let finite = zip(predictions, residuals).filter { $0.0.isFinite && $0.1.isFinite }
        var xMin = finite.map(\.0).min() ?? 0
        var xMax = finite.map(\.0).max() ?? 1
        let yAbs = Swift.max(finite.map { abs($0.1) }.max() ?? 1, 1e-9)
        if xMax <= xMin { xMin -= 1; xMax += 1 }
        let yMin = -yAbs * 1.05
        let yMax = yAbs * 1.05
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double { top + (yMax - y) / (yMax - yMin) * plotH }
        func f(_ v: Double) -> String { String(Double((v * 100).rounded()) / 100) }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="22" text-anchor="middle" font-size="14">\(escape(title))</text>
            <rect x="\(f(left))" y="\(f(top))" width="\(f(plotW))" height="\(f(plotH))" fill="none" stroke="#888"/>
            <line x1="\(f(left))" y1="\(f(py(0)))" x2="\(f(left + plotW))" y2="\(f(py(0)))" stroke="#c00" \
            stroke-dasharray="4 3"/>

            """
        for k in 0...4 {
            let xv = xMin + (xMax - xMin) * Double(k) / 4
            let yv = yMin + (yMax - yMin) * Double(k) / 4
            out += "<text x=\"\(f(px(xv)))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(short(xv))</text>\n"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(py(yv) + 4))\" text-anchor=\"end\">\(short(yv))</text>\n"
        }
        out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">predicted T (ms)</text>\n"
        out += "<text x=\"16\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" "
        out += "transform=\"rotate(-90 16 \(f(top + plotH / 2)))\">residual T - predicted (ms)</text>\n"
        out += "<g fill=\"#1f77b4\" fill-opacity=\"0.6\">\n"
        for (x, y) in finite {
            out += "<circle cx=\"\(f(px(x)))\" cy=\"\(f(py(y)))\" r=\"2.5\"/>\n"
        }
        out += "</g>\n</svg>\n"
        return out
    }

    private func short(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return abs(r) >= 1000 ? String(Int(r)) : String(r)
    }

    private func escape(_ s: String) -> String {
        s.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;")
    }
}

extension String {
    /// Replaces every occurrence of a one-character `target` (no Foundation needed).
    func replacingAll(_ target: Character, _ replacement: String) -> String {
        var result = ""
        for ch in self {
            if ch == target { result += replacement } else { result.append(ch) }
        }
        return result
    }
}
