/// Box bounds on a SIMD parameter vector: `lower ≤ x ≤ upper` lane by lane (`±infinity` for none).
///
/// The generic counterpart of ``ParameterBounds`` used by adaptation, whose vectors may have any number of
/// parameters. Padding lanes of a model's ``AdaptiveLatencyModel/Vector`` have bounds `[0, 0]`.
public struct VectorBounds<Vector: SIMD & Sendable>: Sendable, Hashable where Vector.Scalar == Double {
    /// Lower bounds (`-.infinity` for none).
    public var lower: Vector
    /// Upper bounds (`.infinity` for none).
    public var upper: Vector

    /// Creates bounds. - Precondition: `lower ≤ upper` in every lane, no NaN.
    public init(lower: Vector, upper: Vector) {
        precondition(all(lower .<= upper), "lower bounds must not exceed upper bounds (and must not be NaN)")
        self.lower = lower
        self.upper = upper
    }

    /// No bounds in any lane.
    public static var unbounded: VectorBounds {
        VectorBounds(lower: Vector(repeating: -.infinity), upper: Vector(repeating: .infinity))
    }

    /// `x` clamped into the box, lane by lane. A lane that is still not finite after clamping (NaN, or an
    /// infinity on a side without a bound) becomes its lower bound, or its upper bound when the lower is
    /// `-infinity`, or 0 when the lane is unbounded, so the result is always finite and inside the box.
    @inlinable
    public func projection(of x: Vector) -> Vector {
        var r = x
        for j in r.indices {
            var v = r[j]
            if v < lower[j] { v = lower[j] }
            if v > upper[j] { v = upper[j] }
            if !v.isFinite { v = lower[j].isFinite ? lower[j] : (upper[j].isFinite ? upper[j] : 0) }
            r[j] = v
        }
        return r
    }

    /// True when every lane of `x` is finite and inside the box.
    @inlinable
    public func contains(_ x: Vector) -> Bool {
        for j in x.indices where !(x[j].isFinite && x[j] >= lower[j] && x[j] <= upper[j]) { return false }
        return true
    }
}

extension VectorBounds where Vector == SIMD8<Double> {
    /// The same box as `bounds`, in ``LatencyParameters/Name`` order.
    public init(_ bounds: ParameterBounds) {
        self.init(lower: SIMD8(bounds.lower), upper: SIMD8(bounds.upper))
    }

    /// The paper's online projection (golden `momentum.json`, mode `paper`): `P_max ∈ [0.1, 1e4]`,
    /// `k_B ∈ [1e-4, 10]`, `k_S ∈ [1e-4, 1]`, `w₁ ≥ 1e-6`, `τ₀ ≥ 0`; `w₀`, `τ_B`, `τ_S` are not clamped, so they can
    /// go negative (golden README, Findings 8). The mode `full` is ``LatencyParameters/physicalBounds``.
    public static let paperProjection = VectorBounds(
        lower: SIMD8(0.1, 1e-4, 1e-4, -.infinity, 1e-6, 0, -.infinity, -.infinity),
        upper: SIMD8(1e4, 10, 1, .infinity, .infinity, .infinity, .infinity, .infinity))
}
