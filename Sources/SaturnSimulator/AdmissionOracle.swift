import SaturnModel

/// Where a ``SaturnAdmissionPolicy`` gets its latency model and its admission decisions, and where it sends the
/// engine's telemetry: in process (``FixedParametersOracle``, ``OnlineFitOracle``) or a live agent over the bus
/// (``AgentOracle``).
public protocol AdmissionOracle {
    /// A short description for reports (e.g. `online fit`, `agent tcp://...`).
    var label: String { get }
    /// The latency parameters to plan the next step with.
    /// - Throws: when they cannot be obtained (e.g. the agent does not answer).
    mutating func parameters() throws -> LatencyParameters
    /// Decides the next step's admissions (``Admission/decide(runningCount:runningTokens:waiting:slaMs:options:parameters:)``
    /// in process, or the agent's admission query).
    /// - Throws: when the decision cannot be obtained.
    mutating func decide(runningCount: Int, runningTokens: Double, waiting: [AdmissionCandidate], slaMs: Double,
                         options: AdmissionOptions, parameters: LatencyParameters) throws -> AdmissionDecision
    /// Receives every completed step (telemetry).
    /// - Throws: when it cannot be recorded or sent.
    mutating func record(_ step: StepRecord) throws
}

extension AdmissionOracle {
    /// The in-process decision: ``Admission/decide(runningCount:runningTokens:waiting:slaMs:options:parameters:)``.
    public mutating func decide(runningCount: Int, runningTokens: Double, waiting: [AdmissionCandidate], slaMs: Double,
                                options: AdmissionOptions, parameters: LatencyParameters) throws -> AdmissionDecision
    {
        Admission.decide(runningCount: runningCount, runningTokens: runningTokens, waiting: waiting, slaMs: slaMs,
                         options: options, parameters: parameters)
    }
}

/// A parameter set given once (e.g. a fit of the truth's own table, or a prior); nothing is learned.
public struct FixedParametersOracle: AdmissionOracle, Sendable {
    public let fixed: LatencyParameters
    public let label: String

    public init(_ parameters: LatencyParameters, label: String = "given parameters") {
        fixed = parameters
        self.label = label
    }

    public mutating func parameters() -> LatencyParameters { fixed }
    public mutating func record(_ step: StepRecord) {}
}

/// Starts from a prior and refits the saturation model on the engine's own recent steps, in process.
///
/// Every `refitEvery` steps, once `minimumSteps` are held, ``LatencyFitter/fit(_:configuration:)`` (relative
/// loss) runs on the last `window` steps; a fit that fails or does not converge keeps the previous parameters.
public struct OnlineFitOracle: AdmissionOracle, Sendable {
    public private(set) var current: LatencyParameters
    public let refitEvery: Int
    public let window: Int
    public let minimumSteps: Int
    /// Accepted refits so far.
    public private(set) var refits = 0
    public var label: String { "online fit from a prior (\(refits) refits)" }
    private var batchSizes: [Double] = []
    private var tokens: [Double] = []
    private var latencies: [Double] = []
    private var next = 0
    private var seen = 0

    public init(prior: LatencyParameters, refitEvery: Int = 500, window: Int = 2000, minimumSteps: Int = 200) {
        current = prior
        self.refitEvery = max(1, refitEvery)
        self.window = max(LatencyFitter.minimumRows, window)
        self.minimumSteps = max(LatencyFitter.minimumRows, minimumSteps)
    }

    public mutating func parameters() -> LatencyParameters { current }

    public mutating func record(_ step: StepRecord) {
        if batchSizes.count < window {
            batchSizes.append(Double(step.batchSize))
            tokens.append(Double(step.tokens))
            latencies.append(step.latencyMs)
        } else {
            batchSizes[next] = Double(step.batchSize)
            tokens[next] = Double(step.tokens)
            latencies[next] = step.latencyMs
            next = (next + 1) % window
        }
        seen += 1
        guard seen % refitEvery == 0, batchSizes.count >= minimumSteps else { return }
        let table = StepTable(batchSizes: batchSizes, tokens: tokens, latencies: latencies)
        let filter = RowFilter(minimumLatency: 0.1, maximumLatency: 1e6)
        if let report = try? LatencyFitter.fit(table, configuration: FitConfiguration(objective: .relative, filter: filter)),
            report.isConverged, report.parameters.vector.allSatisfy(\.isFinite)
        {
            current = report.parameters
            refits += 1
        }
    }
}
