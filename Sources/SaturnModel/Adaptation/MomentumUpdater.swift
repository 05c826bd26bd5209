/// Projected heavy-ball momentum gradient descent (DESIGN §4), generic over the space it runs in.
///
/// One step, with momentum μ and learning rate η:
///
///     v ← μ v + g
///     x ← Π(x − η v)          Π = projection onto the box, lane by lane
///
/// The velocity `v` is never projected (golden `momentum.json`), so at an active bound it keeps accumulating
/// (up to `g/(1 − μ)`) and the coordinate leaves the bound only once the gradient has pushed the other way long
/// enough. The step is the same whatever `x` is: raw parameters with the golden file's boxes
/// (``VectorBounds/paperProjection`` or the physical box, to reproduce `momentum.json` exactly), or the
/// ``Reparameterisation`` coordinates `u` with their mapped box (what ``OnlineUpdate`` does).
///
/// On a quadratic with curvature λ the iteration is stable iff `0 < η λ < 2 (1 + μ)` (`3.8` at μ = 0.9).
///
/// ```swift
/// var updater = MomentumUpdater<SIMD8<Double>>(momentum: 0.9)
/// theta = updater.step(theta, gradient: g, learningRate: 0.01, bounds: .paperProjection)
/// ```
public struct MomentumUpdater<Vector: SIMD & Sendable>: Sendable, Hashable where Vector.Scalar == Double {
    /// μ, in `[0, 1)`. Default 0.9 (DESIGN §4).
    public var momentum: Double
    /// `v`, in the units of the gradient of the space the steps run in.
    public var velocity: Vector

    /// Creates an updater. - Precondition: `0 ≤ momentum < 1`.
    public init(momentum: Double = 0.9, velocity: Vector = Vector()) {
        precondition(momentum >= 0 && momentum < 1, "momentum must be in [0, 1)")
        self.momentum = momentum
        self.velocity = velocity
    }

    /// One step from `x` with gradient `gradient` at `x`; returns the new point (inside `bounds`).
    @inlinable
    public mutating func step(
        _ x: Vector, gradient: Vector, learningRate: Double, bounds: VectorBounds<Vector>
    ) -> Vector {
        velocity = momentum * velocity + gradient
        return bounds.projection(of: x - learningRate * velocity)
    }
}
