import SaturnModel
import SwiftProtobuf

/// The protocol version this build speaks.
public let wireProtocolVersion: UInt32 = 1

/// Pub/sub topic frames.
public enum Topic {
    /// Telemetry (`StepTelemetry`).
    public static let step: [UInt8] = Array("step".utf8)
    /// Parameter broadcasts (`ParameterUpdate`).
    public static let parameters: [UInt8] = Array("params".utf8)
}

/// A (model, hardware) key.
public struct ModelKey: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public var model: String
    public var hardware: String

    public init(model: String, hardware: String) {
        self.model = model
        self.hardware = hardware
    }

    public var description: String { "\(model)@\(hardware)" }

    public static func < (a: ModelKey, b: ModelKey) -> Bool { (a.model, a.hardware) < (b.model, b.hardware) }
}

extension ModelKey {
    public init(_ proto: Saturn_V1_ModelKey) { self.init(model: proto.model, hardware: proto.hardware) }

    public var proto: Saturn_V1_ModelKey {
        var k = Saturn_V1_ModelKey()
        k.model = model
        k.hardware = hardware
        return k
    }
}

extension LatencyParameters {
    /// From the wire (no validation: see ``isWithin(_:)``).
    public init(_ proto: Saturn_V1_Parameters) {
        self.init(
            pMax: proto.pMax, kB: proto.kB, kS: proto.kS, w0: proto.w0, w1: proto.w1, tau0: proto.tau0,
            tauB: proto.tauB, tauS: proto.tauS)
    }

    /// To the wire.
    public var proto: Saturn_V1_Parameters {
        var p = Saturn_V1_Parameters()
        p.pMax = pMax
        p.kB = kB
        p.kS = kS
        p.w0 = w0
        p.w1 = w1
        p.tau0 = tau0
        p.tauB = tauB
        p.tauS = tauS
        return p
    }
}

/// One validated telemetry step.
public struct Step: Sendable, Equatable {
    public var workerID: String
    public var key: ModelKey
    public var batchSize: Double
    public var tokens: Double
    public var latencyMs: Double
    public var timestampNs: Int64
    public var sequence: UInt64
    public var kvContextTokens: UInt64?
}

/// Why a telemetry message was dropped (the health counter is `telemetry.<rawValue>`).
public enum TelemetryDrop: String, Error, CaseIterable, Sendable {
    case malformed
    case unsupportedVersion = "unsupported_version"
    case missingField = "missing_field"
    case nonFinite = "non_finite"
    case nonPositive = "non_positive"
    case absurd
    case oversized
    case duplicate
    case rateLimited = "rate_limited"
    case unknownTopic = "unknown_topic"
    case tooManyKeys = "too_many_keys"
    case tooManyWorkers = "too_many_workers"
}

/// Limits that make a value "absurd" rather than merely unusual.
public enum WireLimits {
    public static let maximumBatchSize: Double = 1e6
    public static let maximumTokens: Double = 1e9
    public static let maximumLatencyMs: Double = 1e7
    public static let maximumStringBytes = 256
}

/// Decoding and validation of the telemetry payload (the one seam through which telemetry formats enter).
public enum TelemetryDecoder {
    /// Decodes and validates one `StepTelemetry` payload into a ``Step`` (with Swift strings).
    public static func decode(_ payload: [UInt8]) -> Result<Step, TelemetryDrop> {
        payload.withUnsafeBytes { p -> Result<Step, TelemetryDrop> in
            guard let m = StepTelemetryParser.parse(p) else { return .failure(.malformed) }
            if let drop = StepTelemetryParser.validate(m) { return .failure(drop) }
            guard let worker = string(p, m.workerID), let model = string(p, m.model),
                let hardware = string(p, m.hardware)
            else { return .failure(.malformed) }
            return .success(
                Step(
                    workerID: worker, key: ModelKey(model: model, hardware: hardware), batchSize: Double(m.batchSize),
                    tokens: Double(m.tokens), latencyMs: m.latencyMs, timestampNs: m.timestampNs, sequence: m.sequence,
                    kvContextTokens: m.kvContextTokens))
        }
    }

    /// The UTF-8 string in `range` of `p`, or nil when it is not valid UTF-8 (proto3 strings must be).
    public static func string(_ p: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        String(validating: UnsafeRawBufferPointer(rebasing: p[range]), as: UTF8.self)
    }
}

/// A query error: numeric code and message, as carried by `Reply.error`.
public struct QueryError: Error, Equatable, Sendable {
    public var code: Saturn_V1_ErrorCode
    public var message: String

    public init(_ code: Saturn_V1_ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The health counter name, `query.<code>` (e.g. `query.invalid_argument`).
    public var counterName: String { "query." + code.shortName }
}

extension Saturn_V1_ErrorCode {
    /// `ERROR_CODE_INVALID_ARGUMENT` -> `invalid_argument`.
    public var shortName: String {
        switch self {
        case .unspecified: "unspecified"
        case .malformed: "malformed"
        case .unsupportedVersion: "unsupported_version"
        case .missingBody: "missing_body"
        case .invalidArgument: "invalid_argument"
        case .unknownKey: "unknown_key"
        case .tooLarge: "too_large"
        case .malformedEnvelope: "malformed_envelope"
        case .internal: "internal"
        case .UNRECOGNIZED(let v): "code_\(v)"
        }
    }
}

extension Saturn_V1_Reply {
    /// An error reply.
    public static func error(_ e: QueryError, requestID: UInt64) -> Saturn_V1_Reply {
        var r = Saturn_V1_Reply()
        r.protocolVersion = wireProtocolVersion
        r.requestID = requestID
        var err = Saturn_V1_Error()
        err.code = e.code
        err.message = e.message
        r.error = err
        return r
    }
}

/// Splits a ROUTER message into its routing envelope and payload.
///
/// `[id, "", payload]` (REQ, or DEALER imitating it) and `[id, payload]` (bare DEALER) are accepted; the
/// envelope is every frame before the payload and is echoed unchanged.
public func splitEnvelope(_ frames: [[UInt8]]) -> (envelope: [[UInt8]], payload: [UInt8])? {
    guard frames.count >= 2 else { return nil }
    if let delimiter = frames.firstIndex(where: \.isEmpty), delimiter >= 1 {
        guard delimiter == frames.count - 2 else { return nil }
        return (Array(frames[...delimiter]), frames[frames.count - 1])
    }
    guard frames.count == 2 else { return nil }
    return ([frames[0]], frames[1])
}
