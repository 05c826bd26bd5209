import Foundation
import SaturnNumerics

/// The simulator's ground truth of step latency, built from a measured step table and independent of the
/// saturation model (no term of T(B, S) appears here).
///
/// Rules (all latencies in ms; every interpolation is piecewise linear and exact at the points it is built from):
/// - **Aggregation.** Rows repeating a setting (same kind, requests, tokens, context) are replaced by their
///   median; the truth is built from these medians (``buildPoints``).
/// - **Shared cost c0.** The fixed part of any step (weights read, launch overheads): the reference decode line
///   (below) extended to zero requests, clamped to `[0, min(decode at B = 1, smallest prefill)]`.
/// - **Prefill of n fresh prompts with P tokens.** The single-prompt line `base(P)` through the `n = 1` prefill
///   medians and `(0, c0)`, extended linearly beyond the largest prompt. Each measured `n > 1` level is a line in
///   P where it has two or more points, and elsewhere is `base(P)` scaled by its ratio to `base` at its nearest
///   measured point; between measured levels the value is interpolated linearly in `log n` (beyond the largest,
///   that level is used).
/// - **Prior context of a chunk** (`c` tokens after `p` already cached): `base(p + c) - base(p) - (base(c) - c0)`,
///   the extra cost the single-prompt line shows for computing the same tokens later in a prompt
///   (``priorContextCostMs(chunk:prior:)``, >= 0).
/// - **Decode of D requests with mean context x = K / D.** `ref(D) + Delta(D, x)`: `ref` is the decode line of the
///   context level with the most batch sizes (ties: the smallest context), extended linearly beyond its batch
///   sizes; `Delta` is interpolated linearly in x between the context levels that measured D (their difference
///   to `ref` at D), and beyond the outermost such level grows by `a * D * (x - x_edge)`, where `a` (ms per KV
///   token) is the least-squares slope of every decode median's difference to `ref` against its extra KV tokens
///   `B * (x - x_ref)`, but at least the time to read one KV token from the GPUs' memory
///   (``KVCacheCapacity/kvReadMsPerToken``; the Splitwise tables show no context effect above their noise at
///   B = 1, the only batch size they vary the context at). This is the dependence on the decoding requests' KV
///   context.
/// - **Mixed steps** (chunks next to decodes; the Splitwise tables measured none): the prefill part and the
///   decode part each carry c0 once, and a mixed step pays it once:
///   `T = prefill(n, P) + prior context costs + decode(D, x) - c0`.
/// - **Noise.** ``sample(_:using:)`` multiplies by `max(0.5, 1 + sigma z)` with z standard normal from a seeded
///   generator (`sigma` = ``noise``, default 0.02).
public struct StepTruth: Sendable {
    /// One aggregated setting the truth is built from.
    public struct BuildPoint: Sendable, Equatable {
        public var kind: MeasuredStep.Kind
        /// Prompts (prefill) or decoding requests (decode).
        public var requests: Int
        /// Prompt tokens (prefill) or the mean context per request (decode).
        public var size: Double
        /// Median measured latency (ms) over the rows of the setting.
        public var medianMs: Double
        /// The rows (file lines) aggregated into it.
        public var lines: [Int]
    }

    /// Where the truth came from: `model@hardware tpN (file)`.
    public let description: String
    /// Model name of the table.
    public let model: String
    /// The settings the truth is built from.
    public let buildPoints: [BuildPoint]
    /// c0 in ms.
    public let sharedCostMs: Double
    /// a in ms per KV token.
    public let kvSlopeMsPerToken: Double
    /// The context (tokens per request) of the reference decode line.
    public let referenceContext: Double
    /// Relative standard deviation of the multiplicative noise (0 = noiseless).
    public var noise: Double

    let base: PiecewiseLinear
    let prefillLevels: [(n: Double, line: PiecewiseLinear)]
    let decodeReference: PiecewiseLinear
    let decodeLevels: [(context: Double, line: PiecewiseLinear)]

    /// Builds the truth from the prefill and decode rows of `table` (mixed rows are not used; see
    /// ``mixedRowErrors(_:)``).
    /// - Throws: ``SimulationError`` (`insufficientData`) without at least two single-prompt prefill settings, two
    ///   decode batch sizes at one context, and one decode setting at another context; (`invalidConfiguration`)
    ///   when `noise` is not in `0..<0.5`.
    /// - Parameter kvReadFloorMsPerToken: the least KV slope a (ms per KV token), e.g.
    ///   ``KVCacheCapacity/kvReadMsPerToken``.
    public init(table: MeasuredStepTable, noise: Double = 0.02, kvReadFloorMsPerToken: Double = 0)
        throws(SimulationError)
    {
        guard noise.isFinite, noise >= 0, noise < 0.5 else {
            throw SimulationError(.invalidConfiguration, "the noise must be in 0..<0.5, got \(noise)")
        }
        self.noise = noise
        model = table.model
        description = "\(table.model)@\(table.hardware) tp\(table.tensorParallel) (\(table.source))"

        // Aggregate repeats into medians.
        struct Key: Hashable { var kind: MeasuredStep.Kind; var requests: Int; var size: Double }
        var groups: [Key: (values: [Double], lines: [Int])] = [:]
        var order: [Key] = []
        for row in table.rows {
            let key: Key
            switch row.kind {
            case .prefill where row.prefillPriorContext == 0:
                key = Key(kind: .prefill, requests: row.prefillRequests, size: Double(row.prefillTokens))
            case .decode:
                key = Key(kind: .decode, requests: row.decodeRequests, size: row.decodeContext)
            default: continue
            }
            if groups[key] == nil { order.append(key) }
            groups[key, default: ([], [])].values.append(row.latencyMs)
            groups[key, default: ([], [])].lines.append(row.line)
        }
        let points = order.map { k in
            BuildPoint(kind: k.kind, requests: k.requests, size: k.size,
                       medianMs: Descriptive.median(groups[k]!.values), lines: groups[k]!.lines)
        }
        buildPoints = points

        // Decode levels by context.
        var byContext: [Double: [(x: Double, y: Double)]] = [:]
        for p in points where p.kind == .decode { byContext[p.size, default: []].append((Double(p.requests), p.medianMs)) }
        guard let reference = byContext.max(by: { ($0.value.count, -$0.key) < ($1.value.count, -$1.key) }),
            reference.value.count >= 2, byContext.count >= 2
        else {
            throw SimulationError(
                .insufficientData,
                "\(table.source): the truth needs decode rows at two or more batch sizes of one context and at a second context")
        }
        referenceContext = reference.key
        let ref = PiecewiseLinear(reference.value)
        decodeReference = ref
        decodeLevels = byContext.sorted { $0.key < $1.key }.map { ($0.key, PiecewiseLinear($0.value)) }

        // KV slope: least squares through the origin of (T - ref(B)) against B (x - x_ref).
        var sxy = 0.0
        var sxx = 0.0
        for p in points where p.kind == .decode && p.size != reference.key {
            let b = Double(p.requests)
            let x = b * (p.size - reference.key)
            sxy += x * (p.medianMs - ref(b))
            sxx += x * x
        }
        kvSlopeMsPerToken = max(kvReadFloorMsPerToken.isFinite ? kvReadFloorMsPerToken : 0, sxx > 0 ? sxy / sxx : 0, 0)

        // Prefill levels by prompt count.
        var byCount: [Int: [(x: Double, y: Double)]] = [:]
        for p in points where p.kind == .prefill { byCount[p.requests, default: []].append((p.size, p.medianMs)) }
        guard let single = byCount[1], single.count >= 2 else {
            throw SimulationError(.insufficientData, "\(table.source): the truth needs single-prompt prefill rows at two or more lengths")
        }
        let smallestPrefill = single.map(\.y).min()!
        c0 = max(0, min(ref(0), ref(1), smallestPrefill))
        sharedCostMs = c0
        base = PiecewiseLinear(single + [(0, c0)])
        prefillLevels = byCount.sorted { $0.key < $1.key }.map { (Double($0.key), PiecewiseLinear($0.value)) }
    }

    private let c0: Double

    /// A measured prefill level's value at P (its line inside its range, else `base` scaled at its nearest point).
    private func level(_ line: PiecewiseLinear, isSingle: Bool, _ p: Double) -> Double {
        if isSingle { return base(p) }
        if line.xs.count >= 2 && line.covers(p) { return line(p) }
        let anchor = p < line.lowerX ? 0 : line.xs.count - 1
        let e = line.xs[anchor]
        return line.ys[anchor] * base(p) / base(e)
    }

    /// Latency (ms) of prefilling `requests` fresh prompts of `tokens` tokens in total.
    public func prefillLatencyMs(requests: Int, tokens: Int) -> Double {
        let p = Double(tokens)
        let n = Double(max(1, requests))
        if n <= 1 { return base(p) }
        var lo = -1
        var hi = -1
        for (i, l) in prefillLevels.enumerated() {
            if l.n <= n { lo = i }
            if l.n >= n && hi < 0 { hi = i }
        }
        if hi < 0 { hi = lo }
        if lo < 0 { lo = hi }
        let vlo = level(prefillLevels[lo].line, isSingle: prefillLevels[lo].n == 1, p)
        if lo == hi { return vlo }
        let vhi = level(prefillLevels[hi].line, isSingle: prefillLevels[hi].n == 1, p)
        let t = (Foundation.log(n) - Foundation.log(prefillLevels[lo].n))
            / (Foundation.log(prefillLevels[hi].n) - Foundation.log(prefillLevels[lo].n))
        return vlo + t * (vhi - vlo)
    }

    /// The extra cost (ms, >= 0) of computing a chunk of `chunk` prompt tokens after `prior` tokens of the same
    /// prompt are already cached: `base(p + c) - base(p) - (base(c) - c0)`.
    public func priorContextCostMs(chunk: Int, prior: Int) -> Double {
        guard prior > 0, chunk > 0 else { return 0 }
        let c = Double(chunk)
        let p = Double(prior)
        return max(0, base(p + c) - base(p) - (base(c) - c0))
    }

    /// Latency (ms) of one decode token for each of `requests` requests holding `contextTokens` KV tokens in total.
    public func decodeLatencyMs(requests: Int, contextTokens: Int) -> Double {
        let d = Double(max(1, requests))
        let x = Double(contextTokens) / d
        let r = decodeReference(d)
        // The covering levels just below and above x (the reference covers every D).
        var below = -1
        var above = -1
        for (i, l) in decodeLevels.enumerated() where l.context == referenceContext || l.line.covers(d) {
            if l.context <= x { below = i }
            if l.context >= x && above < 0 { above = i }
        }
        func delta(_ i: Int) -> Double {
            decodeLevels[i].context == referenceContext ? 0 : decodeLevels[i].line(d) - r
        }
        let a = kvSlopeMsPerToken
        if below >= 0 && above >= 0 {
            let lo = decodeLevels[below].context
            let hi = decodeLevels[above].context
            if below == above || hi == lo { return r + delta(below) }
            let t = (x - lo) / (hi - lo)
            return r + delta(below) + t * (delta(above) - delta(below))
        }
        let edge = below >= 0 ? below : above
        return r + delta(edge) + a * d * (x - decodeLevels[edge].context)
    }

    /// The noiseless latency (ms) of a step (the mixed-step rule when it has both parts; 0 for an empty step).
    public func latencyMs(_ step: StepShape) -> Double {
        let hasPrefill = step.prefillTokens > 0
        let hasDecode = step.decodeRequests > 0
        switch (hasPrefill, hasDecode) {
        case (false, false): return 0
        case (true, false):
            return prefillLatencyMs(requests: step.prefillRequests, tokens: step.prefillTokens)
                + step.prefillContextCostMs
        case (false, true):
            return decodeLatencyMs(requests: step.decodeRequests, contextTokens: step.decodeContextTokens)
        case (true, true):
            return prefillLatencyMs(requests: step.prefillRequests, tokens: step.prefillTokens)
                + step.prefillContextCostMs
                + decodeLatencyMs(requests: step.decodeRequests, contextTokens: step.decodeContextTokens) - c0
        }
    }

    /// A noisy latency (ms): ``latencyMs(_:)`` times `max(0.5, 1 + noise z)`, z standard normal from `generator`.
    public func sample(_ step: StepShape, using generator: inout SplitMix64) -> Double {
        let t = latencyMs(step)
        guard noise > 0 else { return t }
        let u1 = max(generator.nextUniform(), 1e-300)
        let u2 = generator.nextUniform()
        let z = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
        return t * max(0.5, 1 + noise * z)
    }

    /// The noiseless latency of a measured row's setting.
    public func latencyMs(of row: MeasuredStep) -> Double {
        var shape = StepShape()
        shape.prefillRequests = row.prefillRequests
        shape.prefillTokens = row.prefillTokens
        if row.prefillPriorContext > 0, row.prefillRequests > 0 {
            let chunk = row.prefillTokens / row.prefillRequests
            shape.prefillContextCostMs = Double(row.prefillRequests)
                * priorContextCostMs(chunk: chunk, prior: row.prefillPriorContext)
        }
        shape.decodeRequests = row.decodeRequests
        shape.decodeContextTokens = Int((Double(row.decodeRequests) * row.decodeContext).rounded())
        return latencyMs(shape)
    }

    /// Relative errors `|truth - measured| / measured` of the built-from settings (medians).
    public var buildPointErrors: [Double] {
        buildPoints.map { p in
            let t: Double
            switch p.kind {
            case .prefill: t = prefillLatencyMs(requests: p.requests, tokens: Int(p.size))
            default:
                t = decodeLatencyMs(requests: p.requests, contextTokens: Int((Double(p.requests) * p.size).rounded()))
            }
            return abs(t - p.medianMs) / p.medianMs
        }
    }

    /// Relative errors of the mixed rows of `table` (rows the truth is not built from: a check of the mixed rule).
    public func mixedRowErrors(_ table: MeasuredStepTable) -> [Double] {
        table.rows.filter { $0.kind == .mixed }.map { abs(latencyMs(of: $0) - $0.latencyMs) / $0.latencyMs }
    }
}
