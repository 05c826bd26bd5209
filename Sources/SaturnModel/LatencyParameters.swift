import RealModule

/// The eight parameters of the throughput-saturation latency model (DESIGN §1).
///
///     Thr(B,S) = P_max (1 − e^(−k_B B)) (1 − e^(−k_S S))          tokens/ms
///     T(B,S)   = τ₀ + (w₀ + w₁ S) / Thr(B,S) + τ_B B + τ_S S       ms
///
/// `B` is the number of requests in a step, `S` the tokens computed in it (summed over requests), `T` the step
/// latency in milliseconds. `1 − e^(−x)` is always computed as `−expm1(−x)`.
///
/// `P_max` is **not identifiable**: T depends on `(P_max, w₀, w₁)` only through `w₀/P_max` and `w₁/P_max`.
/// Compare predictions or ``identifiableRatios``, never `P_max` itself.
///
/// ```swift
/// let p = LatencyParameters(pMax: 80, kB: 0.08, kS: 0.004, w0: 15, w1: 0.6, tau0: 3, tauB: 0.05, tauS: 0.002)
/// let ms = p.latency(batchSize: 32, tokens: 512)
/// ```
public struct LatencyParameters: Sendable, Hashable, Codable {
    /// `P_max`, plateau throughput (tokens/ms), > 0.
    public var pMax: Double
    /// `k_B`, saturation rate in the batch size (1/request), > 0.
    public var kB: Double
    /// `k_S`, saturation rate in the token count (1/token), > 0.
    public var kS: Double
    /// `w_0`, fixed work not tied to tokens (token-equivalents), ≥ 0.
    public var w0: Double
    /// `w_1`, work per token, > 0.
    public var w1: Double
    /// `tau_0`, fixed overhead per step (ms), ≥ 0.
    public var tau0: Double
    /// `tau_B`, overhead per request (ms/request), ≥ 0.
    public var tauB: Double
    /// `tau_S`, overhead per token (ms/token), ≥ 0.
    public var tauS: Double

    /// The parameter names in the golden-file order `[P_max, k_B, k_S, w_0, w_1, tau_0, tau_B, tau_S]`.
    ///
    /// This is the one place that order is defined; ``vector`` and ``init(vector:)`` follow it.
    public enum Name: String, CaseIterable, Sendable, Codable, CodingKey {
        case pMax = "P_max"
        case kB = "k_B"
        case kS = "k_S"
        case w0 = "w_0"
        case w1 = "w_1"
        case tau0 = "tau_0"
        case tauB = "tau_B"
        case tauS = "tau_S"
    }

    /// Memberwise initialiser.
    public init(
        pMax: Double, kB: Double, kS: Double, w0: Double, w1: Double, tau0: Double, tauB: Double, tauS: Double
    ) {
        self.pMax = pMax
        self.kB = kB
        self.kS = kS
        self.w0 = w0
        self.w1 = w1
        self.tau0 = tau0
        self.tauB = tauB
        self.tauS = tauS
    }

    /// Builds parameters from a vector in ``Name`` order.
    /// - Precondition: `vector.count == 8`.
    public init(vector: [Double]) {
        precondition(vector.count == Name.allCases.count, "a parameter vector has 8 entries")
        self.init(
            pMax: vector[0], kB: vector[1], kS: vector[2], w0: vector[3], w1: vector[4], tau0: vector[5],
            tauB: vector[6], tauS: vector[7])
    }

    /// The parameters as a vector in ``Name`` order.
    public var vector: [Double] { [pMax, kB, kS, w0, w1, tau0, tauB, tauS] }

    /// The value of one named parameter.
    public subscript(name: Name) -> Double {
        get {
            switch name {
            case .pMax: pMax
            case .kB: kB
            case .kS: kS
            case .w0: w0
            case .w1: w1
            case .tau0: tau0
            case .tauB: tauB
            case .tauS: tauS
            }
        }
        set {
            switch name {
            case .pMax: pMax = newValue
            case .kB: kB = newValue
            case .kS: kS = newValue
            case .w0: w0 = newValue
            case .w1: w1 = newValue
            case .tau0: tau0 = newValue
            case .tauB: tauB = newValue
            case .tauS: tauS = newValue
            }
        }
    }

    /// `(w₀/P_max, w₁/P_max)`: the combinations of the work parameters that the data determine.
    public var identifiableRatios: (w0OverPMax: Double, w1OverPMax: Double) { (w0 / pMax, w1 / pMax) }

    /// `Thr(B,S)` in tokens/ms. Finite and positive for finite `B, S > 0` within the bounds.
    @inlinable
    public func throughput(batchSize b: Double, tokens s: Double) -> Double {
        pMax * (-Double.expMinusOne(-kB * b)) * (-Double.expMinusOne(-kS * s))
    }

    /// `T(B,S)` in ms. As `B, S → 0` it tends to infinity; as `B, S → ∞` it grows linearly in `S` and `B`.
    @inlinable
    public func latency(batchSize b: Double, tokens s: Double) -> Double {
        let a = -Double.expMinusOne(-kB * b)
        let c = -Double.expMinusOne(-kS * s)
        return tau0 + (w0 + w1 * s) / (pMax * a * c) + tauB * b + tauS * s
    }

    /// `T` for many points (`batchSizes` and `tokens` of equal length), written into `output`.
    public func latencies(batchSizes: [Double], tokens: [Double], into output: inout [Double]) {
        precondition(batchSizes.count == tokens.count)
        if output.count != batchSizes.count { output = [Double](repeating: 0, count: batchSizes.count) }
        for i in batchSizes.indices { output[i] = latency(batchSize: batchSizes[i], tokens: tokens[i]) }
    }

    /// `T` for many points.
    public func latencies(batchSizes: [Double], tokens: [Double]) -> [Double] {
        var out = [Double]()
        latencies(batchSizes: batchSizes, tokens: tokens, into: &out)
        return out
    }

    /// The analytic gradient `∂T/∂θ` in ``Name`` order. With `a = 1 − e^(−k_B B)`, `c = 1 − e^(−k_S S)`,
    /// `N = w₀ + w₁ S`, `Thr = P_max a c`:
    ///
    ///     ∂T/∂P_max = −(N/Thr)/P_max      ∂T/∂k_B = −(N/Thr) B e^(−k_B B)/a   ∂T/∂k_S = −(N/Thr) S e^(−k_S S)/c
    ///     ∂T/∂w₀ = 1/Thr                  ∂T/∂w₁ = S/Thr
    ///     ∂T/∂τ₀ = 1                      ∂T/∂τ_B = B                         ∂T/∂τ_S = S
    @inlinable
    public func gradient(batchSize b: Double, tokens s: Double) -> SIMD8<Double> {
        latencyAndGradient(at: StepObservation(batchSize: b, tokens: s, latencyMs: 0)).gradient
    }

    /// True when every parameter is finite and inside `bounds`.
    public func isWithin(_ bounds: ParameterBounds) -> Bool {
        let v = vector
        for i in 0..<8 where !(v[i].isFinite && v[i] >= bounds.lower[i] && v[i] <= bounds.upper[i]) {
            return false
        }
        return true
    }

    /// The parameters clamped into `bounds`; a non-finite value (NaN or ±infinity) becomes the lower bound, so
    /// the result always satisfies ``isWithin(_:)``.
    public func projected(onto bounds: ParameterBounds) -> LatencyParameters {
        var v = vector
        for i in 0..<8 {
            if !v[i].isFinite { v[i] = bounds.lower[i] }
            v[i] = Swift.min(Swift.max(v[i], bounds.lower[i]), bounds.upper[i])
        }
        return LatencyParameters(vector: v)
    }
}

extension LatencyParameters: CustomStringConvertible {
    public var description: String {
        Name.allCases.map { "\($0.rawValue)=\(self[$0])" }.joined(separator: " ")
    }
}

/// Box bounds on the eight parameters, in ``LatencyParameters/Name`` order.
public struct ParameterBounds: Sendable, Hashable {
    /// Lower bounds.
    public var lower: [Double]
    /// Upper bounds (`.infinity` for none).
    public var upper: [Double]

    /// Creates bounds. - Precondition: 8 entries each, `lower ≤ upper`.
    public init(lower: [Double], upper: [Double]) {
        precondition(lower.count == 8 && upper.count == 8)
        for i in 0..<8 { precondition(lower[i] <= upper[i]) }
        self.lower = lower
        self.upper = upper
    }

    /// The physical bounds (DESIGN §1 projection bounds plus sign constraints): `P_max ∈ [0.1, 1e4]`,
    /// `k_B ∈ [1e-4, 10]`, `k_S ∈ [1e-4, 1]`, `w₀ ≥ 0`, `w₁ ≥ 1e-6`, `τ₀, τ_B, τ_S ≥ 0`.
    public static let physical = ParameterBounds(
        lower: [0.1, 1e-4, 1e-4, 0, 1e-6, 0, 0, 0],
        upper: [1e4, 10, 1, .infinity, .infinity, .infinity, .infinity, .infinity])
}
