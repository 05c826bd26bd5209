/// A member of the latency-model family that online adaptation updates through its parameter vector, its gradient
/// and its bounds, never through named fields.
///
/// Everything in `Adaptation/` (``OnlineObjective``, ``Reparameterisation``, ``MomentumUpdater``, ``Validation``,
/// ``OnlineUpdate``, ``ParameterDriftRate``) is generic over this protocol, so a richer member of the family (for
/// example one with a KV-context term and more parameters) is adapted, validated and broadcast (``vector`` and
/// ``init(vector:)``) without a rewrite: it declares its parameter count, its ``transforms`` and
/// ``physicalBounds``, and evaluates `T` and `∂T/∂θ` at a ``StepObservation``.
///
/// **Storage.** Parameters live in the first ``parameterCount`` lanes of a SIMD ``Vector`` (`SIMD8<Double>` for
/// the 8-parameter model; a 10-parameter model would use `SIMD16<Double>`); the remaining lanes are padding:
/// value 0, gradient 0, bounds `[0, 0]`, transform ``ParameterTransform/fixed``. SIMD storage keeps the per-row
/// gradient accumulation free of allocation.
///
/// ```swift
/// let row = StepObservation(batchSize: 32, tokens: 512, latencyMs: 41.5)
/// let (t, dT) = parameters.latencyAndGradient(at: row)   // ms, ∂T/∂θ in raw units
/// ```
public protocol AdaptiveLatencyModel: Sendable, Equatable {
    /// SIMD storage of the parameter vector (``parameterCount`` used lanes, then zero padding).
    associatedtype Vector: SIMD & Sendable where Vector.Scalar == Double

    /// Number of parameters (≤ `Vector.scalarCount`).
    static var parameterCount: Int { get }
    /// Parameter names in vector order (for logs and the broadcast).
    static var parameterNames: [String] { get }
    /// How adaptation treats each parameter, in vector order (``parameterCount`` entries).
    static var transforms: [ParameterTransform] { get }
    /// The physical box every adapted set must stay in (raw units; padding lanes `[0, 0]`).
    static var physicalBounds: VectorBounds<Vector> { get }

    /// Builds a set from packed parameters (padding lanes ignored).
    init(packed: Vector)
    /// The parameters packed into a SIMD vector (padding lanes 0).
    var packed: Vector { get }

    /// Builds a set from a plain vector of ``parameterCount`` values (wire and broadcast form).
    init(vector: [Double])
    /// The parameters as a plain vector of ``parameterCount`` values (wire and broadcast form).
    var vector: [Double] { get }

    /// `T`, the predicted latency of `step` in ms (its `latencyMs` is not read).
    func latency(at step: StepObservation) -> Double
    /// `T` and its analytic gradient `∂T/∂θ` with respect to the raw parameters (padding lanes 0).
    func latencyAndGradient(at step: StepObservation) -> (latency: Double, gradient: Vector)

    /// A set with exactly the same predictions whose ``ParameterTransform/fixed`` parameters equal `reference`'s
    /// (the family's non-identifiable directions moved onto the reference), projected onto ``physicalBounds``.
    func equivalent(pinnedTo reference: Self) -> Self
}

extension AdaptiveLatencyModel {
    /// Default: the first ``parameterCount`` lanes of ``packed``.
    public var vector: [Double] {
        let p = packed
        return (0..<Self.parameterCount).map { p[$0] }
    }

    /// Default: packs `vector` into ``Vector``. - Precondition: `vector.count == parameterCount`.
    public init(vector: [Double]) {
        precondition(vector.count == Self.parameterCount, "a parameter vector has \(Self.parameterCount) entries")
        var p = Vector()
        for j in vector.indices { p[j] = vector[j] }
        self.init(packed: p)
    }

    /// Default: `T` from ``latencyAndGradient(at:)``.
    @inlinable
    public func latency(at step: StepObservation) -> Double { latencyAndGradient(at: step).latency }

    /// Default for families without a non-identifiable direction: `self` projected onto the physical bounds.
    public func equivalent(pinnedTo reference: Self) -> Self {
        Self(packed: Self.physicalBounds.projection(of: packed))
    }

    /// True when every parameter is finite and inside ``physicalBounds``.
    @inlinable
    public var isPhysical: Bool { Self.physicalBounds.contains(packed) }
}
