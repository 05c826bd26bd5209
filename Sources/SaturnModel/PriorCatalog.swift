import RealModule

/// Where the parameters of a never-seen `(model, hardware)` key come from (DESIGN §3).
///
/// In order:
/// 1. **nearest key**: among known keys (fitted, adopted or shipped) on the *same hardware* (case-insensitive),
///    the one whose model has the nearest parameter count, parsed from the name (`13b`, `70B`, `6.7b`; nearest
///    on a log scale);
/// 2. **shipped prior**: the shipped prior whose model size is nearest (any hardware);
/// 3. **default**: ``PriorCatalog/genericDefault``.
///
/// A model name without a parseable size skips the size comparison (the first candidate in name order wins).
public struct PriorCatalog: Sendable {
    /// A prior fitted on real data, with its provenance.
    public struct Prior: Sendable, Equatable {
        public var model: String
        public var hardware: String
        public var parameters: LatencyParameters
        /// The table it was fitted on and its licence.
        public var credit: String

        public init(model: String, hardware: String, parameters: LatencyParameters, credit: String) {
            self.model = model
            self.hardware = hardware
            self.parameters = parameters
            self.credit = credit
        }
    }

    /// How a starting set was chosen.
    public enum Choice: Sendable, Equatable {
        case nearestKey(model: String, hardware: String)
        case shippedPrior(model: String, hardware: String)
        case genericDefault
    }

    /// The shipped priors.
    public var priors: [Prior]

    public init(priors: [Prior] = ShippedPriors.all) { self.priors = priors }

    /// The generic default: the shipped Llama-2-7B / A100 prior's parameters (a mid-size model on common
    /// hardware), used only when nothing better is known.
    public static var genericDefault: LatencyParameters {
        ShippedPriors.all.first { $0.model == "llama2-7b" }?.parameters
            ?? LatencyParameters(pMax: 100, kB: 0.1, kS: 0.01, w0: 1, w1: 1, tau0: 10, tauB: 0.1, tauS: 0.001)
    }

    /// Parameter count in billions parsed from a model name (`llama-2-13b` -> 13, `Mixtral-8x7B` -> 7,
    /// `opt-6.7b` -> 6.7, `qwen2-0.5b-instruct` -> 0.5); nil when none.
    public static func parameterCount(_ model: String) -> Double? {
        let chars = Array(model.lowercased())
        var best: Double? = nil
        var i = 0
        while i < chars.count {
            guard chars[i].isNumber else { i += 1; continue }
            var j = i
            while j < chars.count && (chars[j].isNumber || chars[j] == ".") { j += 1 }
            if j < chars.count && chars[j] == "b" && (j + 1 == chars.count || !chars[j + 1].isLetter) {
                if let v = Double(String(chars[i..<j])), v > 0 { best = v }
            }
            i = j
        }
        return best
    }

    /// Chooses a starting set for `model` on `hardware` given the keys already known (with their parameters).
    public func choose(model: String, hardware: String, known: [(model: String, hardware: String, parameters: LatencyParameters)])
        -> (parameters: LatencyParameters, choice: Choice)
    {
        let size = Self.parameterCount(model)
        func distance(_ other: String) -> Double {
            guard let size, let o = Self.parameterCount(other) else { return .infinity }
            return abs(Double.log(size) - Double.log(o))
        }
        let sameHardware = (known + priors.map { ($0.model, $0.hardware, $0.parameters) })
            .filter { $0.hardware.lowercased() == hardware.lowercased() }
            .sorted { (distance($0.model), $0.model) < (distance($1.model), $1.model) }
        if let k = sameHardware.first {
            return (k.parameters, .nearestKey(model: k.model, hardware: k.hardware))
        }
        let nearestPrior = priors.filter { distance($0.model).isFinite }
            .min { (distance($0.model), $0.model, $0.hardware) < (distance($1.model), $1.model, $1.hardware) }
        if let p = nearestPrior {
            return (p.parameters, .shippedPrior(model: p.model, hardware: p.hardware))
        }
        return (Self.genericDefault, .genericDefault)
    }
}

