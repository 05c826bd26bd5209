import RealModule

/// The well-conditioned coordinates in which online updates run (DESIGN §4: "the gradient is taken in a
/// well-conditioned parameterisation, say which").
///
/// Each parameter `θⱼ` of an ``AdaptiveLatencyModel`` is first mapped to a natural coordinate by its
/// ``ParameterTransform``, then scaled:
///
///     θ̃ⱼ = log θⱼ   (logarithmic: k_B, k_S)        θ̃ⱼ = θⱼ   (linear: w₀, w₁, τ₀, τ_B, τ_S)
///     uⱼ = sⱼ θ̃ⱼ
///     sⱼ = sqrt( Σᵢ wᵢ (∂ρᵢ/∂θ̃ⱼ)² / Σᵢ wᵢ )          at the reference set, on the training window
///
/// and ``ParameterTransform/fixed`` parameters (`P_max`) are held at the reference's value (`uⱼ = θⱼ`, gradient 0,
/// bounds `[θⱼ, θⱼ]`): T depends on `P_max`, `w₀`, `w₁` only through `w₀/P_max` and `w₁/P_max` (Findings 1), so
/// the data cannot move it and ``AdaptiveLatencyModel/equivalent(pinnedTo:)`` maps any set (the base, a peer's
/// set) onto the reference's `P_max` without changing a prediction.
///
/// **Why this scaling.** `sⱼ` is the weighted RMS change of the residual `ρ` (relative or absolute, as the
/// ``OnlineObjective``) per natural unit of parameter `j`, with the same decay weights as the objective. In `u`,
/// one unit of every coordinate changes the predictions on the window by one residual unit (100% for relative
/// residuals) in the RMS sense, so the diagonal of the Gauss-Newton matrix of `D` is exactly 2 in every adapted
/// lane (a Jacobi preconditioner). Its largest eigenvalue is then at most its trace, `2 × 7 = 14` for the
/// 8-parameter model, and heavy-ball momentum with momentum μ is stable while `lr × λ_max < 2 (1 + μ)`, i.e.
/// `lr < 0.27` at μ = 0.9, whatever the key, the units or the magnitudes of the parameters. In raw units the same
/// diagonal spans about ten orders of magnitude (Findings 7) and the design's learning rates diverge.
/// The linear coefficients' scale is the "feature scale / typical latency" of each term measured on the window
/// (`RMS(1/T)` for `τ₀`, `RMS(B/T)` for `τ_B`, `RMS(S/T)` for `τ_S`, `RMS(S/(Thr·T))` for `w₁`), an RMS of ratios
/// rather than a ratio of medians so that mixed decode/prefill windows are scaled by what dominates the curvature.
///
/// **Floor on logarithmic lanes.** Where a rate is saturated (e.g. `k_B B ≫ 1`) its sensitivity is nearly 0 and a
/// pure Jacobi scale would turn one unit of `u` into hundreds of e-folds, jumping into a region where the
/// sensitivity is large. `sⱼ` of a logarithmic lane is therefore at least ``logarithmicFloor`` residual units
/// per e-fold (default 0.05: 5% of the latency for relative residuals; times the window's RMS latency for
/// absolute ones): a weakly identified rate moves slowly instead of jumping. Linear lanes always have positive
/// sensitivity and T is linear in them, so they need no floor (a lane with zero or non-finite sensitivity, which
/// only a degenerate window produces, gets scale 1).
///
/// **Bounds.** The physical box maps lane by lane into `u` (`[sⱼ log lo, sⱼ log hi]` or `[sⱼ lo, sⱼ hi]`), so a
/// projection in `u` lands in the physical box in raw units; ``model(at:)`` also clamps to the physical box, which
/// only absorbs the rounding of `exp(log x)`. Logarithmic lanes need positive lower bounds.
///
/// The scales are fixed for the duration of one update (the objective is then one fixed function of `u`) and
/// recomputed at the start of the next from the new window and the new starting set. ``raw(reference:)`` is the
/// identity map (every parameter linear, scale 1), the design's literal raw-unit update, kept for comparison.
///
/// ```swift
/// let e = objective.evaluate(current, on: window, sensitivities: true)
/// let map = Reparameterisation(reference: current, evaluation: e, residual: objective.residual)
/// var u = map.coordinates(of: current)
/// let gradientU = map.gradient(fromRaw: e.gradient, at: u)
/// ```
public struct Reparameterisation<Model: AdaptiveLatencyModel>: Sendable {
    /// Default ``logarithmicFloor``.
    public static var defaultLogarithmicFloor: Double { 0.05 }

    /// The reference set (inside the physical bounds): the values of the fixed parameters, and where the scales
    /// were measured.
    public let reference: Model
    /// `sⱼ > 0` per lane (1 on fixed and padding lanes).
    public let scales: Model.Vector
    /// 1 on logarithmic lanes, else 0.
    public let logarithmicMask: Model.Vector
    /// 1 on adapted (logarithmic or linear) lanes, else 0.
    public let adaptedMask: Model.Vector
    /// The physical bounds mapped into `u`.
    public let bounds: VectorBounds<Model.Vector>
    /// Whether ``coordinates(of:)`` first moves a set onto the reference's fixed parameters (false only for
    /// ``raw(reference:)``, which adapts every parameter).
    public let pinsFixedParameters: Bool

    /// A map with given scales.
    ///
    /// - Parameters:
    ///   - reference: values of the fixed parameters; projected onto the physical bounds.
    ///   - scales: `sⱼ`, positive and finite on adapted lanes (other lanes are ignored and set to 1).
    ///   - transforms: per-parameter transforms; default the model's.
    public init(reference: Model, scales: Model.Vector, transforms: [ParameterTransform] = Model.transforms) {
        self.init(reference: reference, scales: scales, transforms: transforms, pinsFixedParameters: true)
    }

    init(reference: Model, scales: Model.Vector, transforms: [ParameterTransform], pinsFixedParameters: Bool) {
        precondition(transforms.count == Model.parameterCount, "one transform per parameter")
        let ref = Model(packed: Model.physicalBounds.projection(of: reference.packed))
        let theta = ref.packed
        let physical = Model.physicalBounds
        var s = Model.Vector(repeating: 1)
        var logMask = Model.Vector()
        var adapted = Model.Vector()
        var lower = Model.Vector()
        var upper = Model.Vector()
        for j in 0..<Model.parameterCount {
            switch transforms[j] {
            case .fixed:
                lower[j] = theta[j]
                upper[j] = theta[j]
            case .logarithmic:
                precondition(physical.lower[j] > 0, "a logarithmic parameter needs a positive lower bound")
                precondition(scales[j] > 0 && scales[j].isFinite, "scales must be positive and finite")
                s[j] = scales[j]
                logMask[j] = 1
                adapted[j] = 1
                lower[j] = s[j] * Double.log(physical.lower[j])
                upper[j] = s[j] * Double.log(physical.upper[j])
            case .linear:
                precondition(scales[j] > 0 && scales[j].isFinite, "scales must be positive and finite")
                s[j] = scales[j]
                adapted[j] = 1
                lower[j] = s[j] * physical.lower[j]
                upper[j] = s[j] * physical.upper[j]
            }
        }
        self.reference = ref
        self.scales = s
        self.logarithmicMask = logMask
        self.adaptedMask = adapted
        self.bounds = VectorBounds(lower: lower, upper: upper)
        self.pinsFixedParameters = pinsFixedParameters
    }

    /// The scaled map of the type's discussion, from an evaluation of the objective's data term at `reference`
    /// with `sensitivities: true`.
    ///
    /// - Parameters:
    ///   - reference: the starting set of the update.
    ///   - evaluation: ``OnlineObjective/evaluate(_:on:sensitivities:)`` at `reference` on the training window.
    ///   - residual: the objective's residual (sets the unit of the floor).
    ///   - logarithmicFloor: minimum scale of a logarithmic lane, in residual units per e-fold. Default 0.05.
    public init(
        reference: Model, evaluation: OnlineObjective.Evaluation<Model.Vector>, residual: OnlineObjective.Residual,
        logarithmicFloor: Double = Self.defaultLogarithmicFloor
    ) {
        let theta = Model.physicalBounds.projection(of: reference.packed)
        let unit = residual == .relative ? 1 : evaluation.latencyRootMeanSquare
        let transforms = Model.transforms
        var s = Model.Vector(repeating: 1)
        for j in 0..<Model.parameterCount {
            switch transforms[j] {
            case .fixed:
                continue
            case .logarithmic:
                let v = (evaluation.sensitivityMeanSquare[j] * theta[j] * theta[j]).squareRoot()
                let floor = logarithmicFloor * unit
                s[j] = v.isFinite && v > floor ? v : (floor > 0 && floor.isFinite ? floor : 1)
            case .linear:
                let v = evaluation.sensitivityMeanSquare[j].squareRoot()
                s[j] = v.isFinite && v > 0 ? v : 1
            }
        }
        self.init(reference: reference, scales: s, transforms: transforms)
    }

    /// The identity map in raw units (every parameter linear with scale 1, bounds the physical box): the design's
    /// literal update, for comparison only (it diverges at the design's learning rates, Findings 7).
    public static func raw(reference: Model) -> Self {
        Self(
            reference: reference, scales: Model.Vector(repeating: 1),
            transforms: [ParameterTransform](repeating: .linear, count: Model.parameterCount),
            pinsFixedParameters: false)
    }

    /// `u` for `model` (first moved onto the reference's fixed parameters with
    /// ``AdaptiveLatencyModel/equivalent(pinnedTo:)``, which keeps its predictions, unless the map is
    /// ``raw(reference:)``). `model` should be inside the physical bounds.
    @inlinable
    public func coordinates(of model: Model) -> Model.Vector {
        let theta = pinsFixedParameters ? model.equivalent(pinnedTo: reference).packed : model.packed
        var u = theta
        for j in 0..<Model.parameterCount where adaptedMask[j] != 0 {
            u[j] = scales[j] * (logarithmicMask[j] != 0 ? Double.log(theta[j]) : theta[j])
        }
        return u
    }

    /// The parameter set at `u` (fixed lanes from the reference), clamped to the physical box.
    @inlinable
    public func model(at u: Model.Vector) -> Model {
        var theta = reference.packed
        for j in 0..<Model.parameterCount where adaptedMask[j] != 0 {
            let natural = u[j] / scales[j]
            theta[j] = logarithmicMask[j] != 0 ? Double.exp(natural) : natural
        }
        return Model(packed: Model.physicalBounds.projection(of: theta))
    }

    /// The chain rule: `∂L/∂uⱼ = ∂L/∂θⱼ · dθⱼ/duⱼ`, with `dθⱼ/duⱼ = θⱼ/sⱼ` (logarithmic), `1/sⱼ` (linear), 0 (fixed
    /// and padding lanes).
    ///
    /// - Parameters:
    ///   - g: `∂L/∂θ` in raw units, at the set ``model(at:)`` of `u`.
    ///   - u: the coordinates.
    @inlinable
    public func gradient(fromRaw g: Model.Vector, at u: Model.Vector) -> Model.Vector {
        var r = Model.Vector()
        for j in 0..<Model.parameterCount where adaptedMask[j] != 0 {
            let natural = u[j] / scales[j]
            let jacobian = logarithmicMask[j] != 0 ? Double.exp(natural) / scales[j] : 1 / scales[j]
            r[j] = g[j] * jacobian
        }
        return r
    }

    /// A velocity in `u` expressed per natural unit (`v/s`), so that it can be carried into the next update,
    /// whose scales differ: the displacement `lr·v/s` of the natural coordinates is what is kept.
    @inlinable
    public func naturalVelocity(_ v: Model.Vector) -> Model.Vector { adaptedMask * v / scales }

    /// The inverse of ``naturalVelocity(_:)`` for this map's scales.
    @inlinable
    public func velocity(fromNatural v: Model.Vector) -> Model.Vector { adaptedMask * v * scales }
}
