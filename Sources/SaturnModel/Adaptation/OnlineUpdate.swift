/// One online adaptation update (DESIGN §4): a few projected momentum steps on the regularised, exponentially
/// weighted objective in the scaled coordinates of ``Reparameterisation``, then validation on held-out recent
/// observations. Pure: the agent owns the window, the sets and the ``State`` and decides what to install.
///
/// **What one call does**, for a window of `n` observations in time order:
/// 1. Split: the newest ``heldOutCount`` rows are held out for validation, the older ones are the training rows.
/// 2. Start at `current` (projected onto its physical bounds). Evaluate the data term, its gradient and the
///    sensitivities there, and build the ``Reparameterisation`` (scales from this window and this set). `base` is
///    mapped into the same coordinates (moved onto the current `P_max` first, which keeps its predictions).
/// 3. Take ``steps`` steps of ``MomentumUpdater`` in `u` with the schedule's current learning rate:
///    `g = ∂D/∂u + 2λ (u − u_base)`, `v = μ v + g`, `u = Π(u − lr v)`. The velocity starts at rest in every update
///    unless ``carriesVelocity`` is set (then it comes from the previous update, carried per natural unit so that
///    it survives the change of scales).
/// 4. Validate the candidate against `current` on the held-out rows (``Validation``).
/// 5. Advance the state: the schedule observes the training data loss of the set that stays installed (the
///    candidate if accepted, else `current`); the velocity is kept if accepted and zeroed if rejected (it pointed
///    at a rejected set).
///
/// **Defaults, and why.** Objective: relative residuals, decay 0.99, λ = 0.01 (``OnlineObjective``); momentum
/// 0.9; 4 full-batch steps per update (each step is one pass over the training rows whose weight is at least
/// ``OnlineObjective/negligibleWeight``, the newest 2,750 at d = 0.99: about 0.1 ms in a release build, 0.4–0.45 ms
/// for the whole update on a 5,000-row window); 100 held-out rows (the observations that
/// arrived since the previous update when updates run every 100 observations); velocity not carried between
/// updates.
///
/// Learning rate: the design lists both "lr 0.1" for the updater and "adaptive learning rate: start 0.01". Here
/// the adaptive schedule *is* the updater's learning rate: it starts at **0.01**, decays ×0.95 after 5 updates
/// without improvement, and never falls below **0.001** (``defaultSchedule``). Both 0.1 and 0.01 are stable in
/// the scaled coordinates, where every adapted direction has Gauss-Newton curvature at most 14
/// (``Reparameterisation``): `lr × λ_max ≤ 1.4` even at 0.1, inside the heavy-ball limit 3.8 (tested: no update
/// raises its own loss at either rate). But far from the optimum (a warm start from another key, 15–80% relative
/// error) the landscape is not quadratic and 0.1 can throw `k_S` into a worse basin: on the real h100 table from
/// the generic default, 100 updates end at a mean squared relative error of 0.0112 with 0.1 against 0.0060 with
/// 0.01 (from the a100 prior both reach 0.007). 0.01 is slower from some far starts (from the h100-pcap tp2
/// prior: 0.051 after 10 updates and 0.017 after 100, against 0.012 and 0.012 at 0.1), which matters little:
/// large changes go through drift detection and a full refit, and the momentum updates only have to track.
///
/// The floor 0.001: once a key is stable, a new best loss is a rare record of a noisy series, so without a floor
/// the rate decays geometrically forever (×0.95 about every 6 updates in the tests) and the key stops following
/// slow changes that do not trip the drift detector; reset the state on drift anyway (``State/reset()``).
/// In raw units the same defaults blow the loss up 50–900× within one update (Findings 7); ``Space/raw`` exists
/// to show it.
///
/// Velocity: carrying it across updates (``carriesVelocity``) makes the first update after a large one overshoot
/// (its loss rose up to 7.5× in the tests), because consecutive objectives differ: with decay 0.99 the newest
/// 100 rows carry 63% of the weight. Starting each update at rest, no update in the tests raised its own loss.
///
/// ```swift
/// let update = OnlineUpdate()                          // the defaults above
/// var state = update.initialState(for: LatencyParameters.self)
/// // every 100 observations, on the key's newest 5,000:
/// let r = update.run(current: installed, base: lastValidated, window: window, state: state)
/// state = r.state
/// if r.isAccepted { install(r.candidate) }            // log r.verdict, r.lossBefore, r.lossAfter either way
/// ```
public struct OnlineUpdate: Sendable, Hashable {
    /// The coordinates the steps run in.
    public enum Space: String, Sendable, Hashable, CaseIterable {
        /// ``Reparameterisation`` scaled coordinates (the default).
        case scaled
        /// Raw parameters, every one adapted (the design's literal update; diverges, Findings 7).
        case raw
    }

    /// The state the agent keeps per key between updates.
    public struct State<Model: AdaptiveLatencyModel>: Sendable, Hashable {
        /// Momentum velocity per natural unit of each parameter at the end of the last accepted update (see
        /// ``Reparameterisation/naturalVelocity(_:)``); read only with ``OnlineUpdate/carriesVelocity``.
        public var velocity: Model.Vector
        /// The adaptive learning rate.
        public var schedule: LearningRateSchedule

        /// A state at rest with `schedule`.
        public init(schedule: LearningRateSchedule) {
            velocity = Model.Vector()
            self.schedule = schedule
        }

        /// Velocity zero and the schedule back to its start: call when drift is detected, after a full refit,
        /// or when the base set is replaced by another source.
        public mutating func reset() {
            velocity = Model.Vector()
            schedule.reset()
        }
    }

    /// What an update produced.
    public struct Result<Model: AdaptiveLatencyModel>: Sendable {
        /// The candidate set (inside the physical bounds). Equals `current` when nothing was done.
        public var candidate: Model
        /// Validation against the current set on the held-out rows.
        public var verdict: Validation.Verdict
        /// `L = D + λ·penalty` at the start, in the update's coordinates (NaN when nothing was done).
        public var lossBefore: Double
        /// `L` at the candidate.
        public var lossAfter: Double
        /// `D` at the start (training rows).
        public var dataLossBefore: Double
        /// `D` at the candidate.
        public var dataLossAfter: Double
        /// The learning rate the steps used.
        public var learningRate: Double
        /// Steps taken (fewer than configured only if a non-finite value stopped the update).
        public var stepsTaken: Int
        /// Training rows (the held-out ones are in ``verdict``).
        public var trainingCount: Int
        /// The scales of the coordinates (all 1 in ``Space/raw``; empty lanes when nothing was done).
        public var scales: Model.Vector
        /// The state to keep for the next update.
        public var state: State<Model>

        /// True when the candidate should be installed.
        public var isAccepted: Bool { verdict.isAccepted }

        /// Memberwise initialiser.
        @inlinable
        public init(
            candidate: Model, verdict: Validation.Verdict, lossBefore: Double, lossAfter: Double,
            dataLossBefore: Double, dataLossAfter: Double, learningRate: Double, stepsTaken: Int,
            trainingCount: Int, scales: Model.Vector, state: State<Model>
        ) {
            self.candidate = candidate
            self.verdict = verdict
            self.lossBefore = lossBefore
            self.lossAfter = lossAfter
            self.dataLossBefore = dataLossBefore
            self.dataLossAfter = dataLossAfter
            self.learningRate = learningRate
            self.stepsTaken = stepsTaken
            self.trainingCount = trainingCount
            self.scales = scales
            self.state = state
        }
    }

    /// The objective. Default: relative residuals, decay 0.99, λ 0.01.
    public var objective: OnlineObjective
    /// μ. Default 0.9.
    public var momentum: Double
    /// The schedule a new key starts with (``initialState(for:)``). Default ``defaultSchedule``.
    public var schedule: LearningRateSchedule
    /// Momentum steps per update (≥ 1). Default 4.
    public var steps: Int
    /// Newest rows held out for validation (≥ 1). Default 100.
    public var heldOutCount: Int
    /// Fewest training rows an update runs on. Default 8.
    public var minimumTrainingCount: Int
    /// Coordinates. Default ``Space/scaled``.
    public var space: Space
    /// ``Reparameterisation`` floor of logarithmic lanes. Default 0.05.
    public var logarithmicFloor: Double
    /// Start each update with the velocity of the previous one (``State/velocity``) instead of at rest.
    /// Default false (see the type's discussion).
    public var carriesVelocity: Bool

    /// The default learning-rate schedule: start 0.01, ×0.95 after 5 updates without improvement, never below
    /// 0.001 (see the type's discussion).
    public static let defaultSchedule = LearningRateSchedule(
        initial: 0.01, decayFactor: 0.95, patience: 5, minimum: 0.001)

    /// Creates an update configuration (the defaults are the type's discussion).
    public init(
        objective: OnlineObjective = OnlineObjective(), momentum: Double = 0.9,
        schedule: LearningRateSchedule = OnlineUpdate.defaultSchedule, steps: Int = 4,
        heldOutCount: Int = 100, minimumTrainingCount: Int = 8, space: Space = .scaled,
        logarithmicFloor: Double = 0.05, carriesVelocity: Bool = false
    ) {
        precondition(momentum >= 0 && momentum < 1, "momentum must be in [0, 1)")
        precondition(steps >= 1 && heldOutCount >= 1 && minimumTrainingCount >= 1)
        self.objective = objective
        self.momentum = momentum
        self.schedule = schedule
        self.steps = steps
        self.heldOutCount = heldOutCount
        self.minimumTrainingCount = minimumTrainingCount
        self.space = space
        self.logarithmicFloor = logarithmicFloor
        self.carriesVelocity = carriesVelocity
    }

    /// The state a key starts with: velocity 0 and ``schedule``.
    public func initialState<Model: AdaptiveLatencyModel>(for model: Model.Type = Model.self) -> State<Model> {
        State(schedule: schedule)
    }

    /// Runs one update (see the type's discussion).
    ///
    /// - Parameters:
    ///   - current: the installed set: the starting point, and what the candidate must beat.
    ///   - base: the set the penalty pulls towards (last validated set, a prior, or a peer's set).
    ///   - window: the key's recent observations, oldest first (typically the newest 5,000), as the fit's
    ///     ``RowFilter`` keeps them (`0.1 < T < 500` ms, `B, S > 0`; a training row with `T = 0` makes the loss
    ///     non-finite and the update is rejected with ``Validation/Reason/nonFinite``). Needs at least
    ///     ``heldOutCount`` + ``minimumTrainingCount`` rows; with fewer nothing is done (reason
    ///     ``Validation/Reason/tooFewObservations``, state unchanged).
    ///   - state: the key's updater state from the previous result (or ``initialState(for:)``).
    /// - Returns: the candidate, the verdict, the losses and the next state.
    @inlinable
    public func run<Model: AdaptiveLatencyModel>(
        current: Model, base: Model, window: [StepObservation], state: State<Model>
    ) -> Result<Model> {
        let n = window.count
        guard n >= heldOutCount + minimumTrainingCount else {
            return Result(
                candidate: current,
                verdict: Validation.Verdict(
                    reason: .tooFewObservations, candidateLoss: .nan, currentLoss: .nan, heldOutCount: 0),
                lossBefore: .nan, lossAfter: .nan, dataLossBefore: .nan, dataLossAfter: .nan,
                learningRate: state.schedule.learningRate, stepsTaken: 0, trainingCount: 0, scales: Model.Vector(),
                state: state)
        }
        let training = window[0..<(n - heldOutCount)]
        let heldOut = window[(n - heldOutCount)..<n]
        let physical = Model.physicalBounds
        let start = Model(packed: physical.projection(of: current.packed))
        let baseSet = Model(packed: physical.projection(of: base.packed))

        var evaluation = objective.evaluate(start, on: training, sensitivities: space == .scaled)
        let map: Reparameterisation<Model> =
            space == .scaled
            ? Reparameterisation(
                reference: start, evaluation: evaluation, residual: objective.residual,
                logarithmicFloor: logarithmicFloor)
            : .raw(reference: start)
        let mask = map.adaptedMask
        var u = map.coordinates(of: start)
        let uBase = map.coordinates(of: baseSet)
        let dataLossBefore = evaluation.dataLoss
        let lossBefore = objective.value(
            dataLoss: dataLossBefore, penalty: objective.penalty(u, base: uBase, mask: mask))

        let learningRate = state.schedule.learningRate
        var updater = MomentumUpdater(
            momentum: momentum,
            velocity: carriesVelocity ? map.velocity(fromNatural: state.velocity) : Model.Vector())
        var candidate = start
        var finite = lossBefore.isFinite
        var stepsTaken = 0
        while finite && stepsTaken < steps {
            let g =
                map.gradient(fromRaw: evaluation.gradient, at: u)
                + objective.penaltyGradient(u, base: uBase, mask: mask)
            let next = updater.step(u, gradient: g, learningRate: learningRate, bounds: map.bounds)
            guard Self.isFinite(g), Self.isFinite(updater.velocity), Self.isFinite(next) else {
                finite = false
                break
            }
            u = next
            candidate = map.model(at: u)
            stepsTaken += 1
            if stepsTaken < steps {
                evaluation = objective.evaluate(candidate, on: training)
                finite = evaluation.dataLoss.isFinite
            }
        }
        let dataLossAfter = finite ? objective.dataLoss(candidate, on: training) : .nan
        let lossAfter = objective.value(
            dataLoss: dataLossAfter, penalty: objective.penalty(u, base: uBase, mask: mask))
        finite = finite && lossAfter.isFinite

        var next = state
        let verdict: Validation.Verdict
        if finite {
            verdict = Validation.compare(
                candidate: candidate, current: current, heldOut: heldOut, residual: objective.residual)
        } else {
            verdict = Validation.Verdict(
                reason: .nonFinite, candidateLoss: .nan,
                currentLoss: Validation.heldOutLoss(current, on: heldOut, residual: objective.residual),
                heldOutCount: heldOut.count)
            candidate = start
        }
        if verdict.isAccepted {
            next.velocity = map.naturalVelocity(updater.velocity)
            next.schedule.observe(dataLossAfter)
        } else {
            next.velocity = Model.Vector()
            next.schedule.observe(dataLossBefore)
        }
        return Result(
            candidate: candidate, verdict: verdict, lossBefore: lossBefore, lossAfter: lossAfter,
            dataLossBefore: dataLossBefore, dataLossAfter: dataLossAfter, learningRate: learningRate,
            stepsTaken: stepsTaken, trainingCount: training.count, scales: map.scales, state: next)
    }

    @inlinable
    static func isFinite<Vector: SIMD>(_ v: Vector) -> Bool where Vector.Scalar == Double {
        for j in v.indices where !v[j].isFinite { return false }
        return true
    }
}
