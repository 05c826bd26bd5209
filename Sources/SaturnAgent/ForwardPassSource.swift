import SaturnModel
import SaturnWire

/// An engine's Forward Pass Metrics publisher and the key its steps are recorded under: the engine binds a PUB
/// (Dynamo: port 20380 + data-parallel rank; SGLang: `--forward-pass-metrics-port`), the agent connects a SUB to
/// ``endpoint``. FPM carries no model or hardware name, hence the key.
///
/// Written `ENDPOINT=MODEL@HARDWARE` (`saturn agent --fpm`, and the strings of the configuration's `"fpm"` array),
/// e.g. `tcp://10.0.0.5:20380=llama-3-8b@h100-tp1`: the endpoint ends at the first `=`, the hardware starts after
/// the last `@`.
public struct ForwardPassSource: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The publisher's endpoint (`tcp://host:port` or `ipc://path`).
    public var endpoint: String
    public var key: ModelKey

    public init(endpoint: String, key: ModelKey) {
        self.endpoint = endpoint
        self.key = key
    }

    /// Why a spec is not `ENDPOINT=MODEL@HARDWARE`.
    public struct SpecError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Parses `ENDPOINT=MODEL@HARDWARE`.
    /// - Throws: ``SpecError`` naming what is wrong: no `=` or `@`, an endpoint without `://`, or a model or
    ///   hardware name that is empty or longer than ``WireLimits/maximumStringBytes`` bytes.
    public init(spec: String) throws(SpecError) {
        func fail(_ why: String) -> SpecError {
            SpecError(description: "FPM source '\(spec)' must be ENDPOINT=MODEL@HARDWARE (\(why))")
        }
        guard let eq = spec.firstIndex(of: "=") else { throw fail("no '='") }
        let endpoint = String(spec[..<eq])
        let rest = spec[spec.index(after: eq)...]
        guard let at = rest.lastIndex(of: "@") else { throw fail("no '@' between model and hardware") }
        let key = ModelKey(model: String(rest[..<at]), hardware: String(rest[rest.index(after: at)...]))
        guard endpoint.contains("://") else {
            throw fail("the endpoint must look like tcp://host:port or ipc://path")
        }
        guard WireLimits.isValidName(key.model), WireLimits.isValidName(key.hardware) else {
            throw fail("model and hardware must be 1...\(WireLimits.maximumStringBytes) bytes")
        }
        self.init(endpoint: endpoint, key: key)
    }

    /// `ENDPOINT=MODEL@HARDWARE`.
    public var description: String { "\(endpoint)=\(key.model)@\(key.hardware)" }

    /// Decodes the spec string.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let spec = try c.decode(String.self)
        do {
            try self.init(spec: spec)
        } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "fpm: \(error.description)")
        }
    }

    /// Encodes the spec string.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
