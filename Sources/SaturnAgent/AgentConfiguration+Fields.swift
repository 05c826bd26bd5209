import Foundation
import SaturnModel

extension AgentConfiguration {
    /// One field as configuration files and `--set` name it, and how it is read and written (JSON).
    public struct Field: Sendable {
        /// The name in files and `--set` (the property's name; durations end in `Seconds`).
        public let name: String
        fileprivate let read: @Sendable (KeyedDecodingContainer<FieldKey>, inout AgentConfiguration) throws -> Void
        fileprivate let write: @Sendable (inout KeyedEncodingContainer<FieldKey>, AgentConfiguration) throws -> Void

        /// A field stored as is (an optional one is written as `null` when unset; `null` or absent leaves it
        /// as it is).
        static func plain<T: Codable & Sendable>(
            _ name: String, _ path: any WritableKeyPath<AgentConfiguration, T> & Sendable
        ) -> Field {
            let key = FieldKey(name)
            return Field(
                name: name,
                read: { c, config in
                    if let v = try c.decodeIfPresent(T.self, forKey: key) { config[keyPath: path] = v }
                },
                write: { c, config in try c.encode(config[keyPath: path], forKey: key) })
        }

        /// A duration, in seconds on the outside.
        static func seconds(_ name: String, _ path: any WritableKeyPath<AgentConfiguration, Duration> & Sendable)
            -> Field
        {
            let key = FieldKey(name)
            return Field(
                name: name,
                read: { c, config in
                    guard let s = try c.decodeIfPresent(Double.self, forKey: key) else { return }
                    guard s.isFinite, s >= 0, s < 1e9 else {
                        throw DecodingError.dataCorruptedError(
                            forKey: key, in: c, debugDescription: "\(name) must be a number of seconds, got \(s)")
                    }
                    config[keyPath: path] = .seconds(s)
                },
                write: { c, config in try c.encode(config[keyPath: path].inSeconds, forKey: key) })
        }

        /// A listening address (``HostPort``): a string, or a bare port number (`"metrics": 9464`, `--set metrics=9464`).
        static func address(_ name: String, _ path: any WritableKeyPath<AgentConfiguration, String?> & Sendable)
            -> Field
        {
            let key = FieldKey(name)
            return Field(
                name: name,
                read: { c, config in
                    if let port = try? c.decodeIfPresent(Int.self, forKey: key) {
                        config[keyPath: path] = String(port)
                    } else if let s = try c.decodeIfPresent(String.self, forKey: key) {
                        config[keyPath: path] = s
                    }
                },
                write: { c, config in try c.encode(config[keyPath: path], forKey: key) })
        }

        /// The fit objective, by its name.
        static func objective(_ name: String, _ path: any WritableKeyPath<AgentConfiguration, FitConfiguration.Objective> & Sendable)
            -> Field
        {
            let key = FieldKey(name)
            return Field(
                name: name,
                read: { c, config in
                    guard let s = try c.decodeIfPresent(String.self, forKey: key) else { return }
                    guard let o = FitConfiguration.Objective(name: s) else {
                        throw DecodingError.dataCorruptedError(
                            forKey: key, in: c, debugDescription: "\(name) must be relative or sse, got '\(s)'")
                    }
                    config[keyPath: path] = o
                },
                write: { c, config in try c.encode(config[keyPath: path].name, forKey: key) })
        }
    }

    /// Every configurable field, in documentation order: the one list that files, `--set` and the CLI's flags
    /// go through.
    public static let fields: [Field] = [
        .plain("nodeID", \.nodeID),
        .plain("telemetryEndpoint", \.telemetryEndpoint),
        .plain("queryEndpoint", \.queryEndpoint),
        .plain("broadcastEndpoint", \.broadcastEndpoint),
        .plain("advertisedQueryEndpoint", \.advertisedQueryEndpoint),
        .plain("peers", \.peers),
        .plain("snapshotSources", \.snapshotSources),
        .plain("forwarders", \.forwarders),
        .plain("fpm", \.forwardPassSources),
        .address("metrics", \.metrics),
        .plain("windowSize", \.windowSize),
        .plain("fitWindow", \.fitWindow),
        .plain("fitEvery", \.fitEvery),
        .plain("adaptationPaths", \.adaptationPaths),
        .plain("coldStartEvery", \.coldStartEvery),
        .plain("errorTrigger", \.errorTrigger),
        .plain("driftSignificance", \.driftSignificance),
        .plain("driftRecentObservations", \.driftRecentObservations),
        .plain("updaterFailureLimit", \.updaterFailureLimit),
        .plain("minimumObservations", \.minimumObservations),
        .seconds("idleFitSeconds", \.idleFitInterval),
        .seconds("minimumFitIntervalSeconds", \.minimumFitInterval),
        .plain("maximumMessageBytes", \.maximumMessageBytes),
        .plain("maximumKeys", \.maximumKeys),
        .plain("maximumWorkers", \.maximumWorkers),
        .plain("workerRateLimit", \.workerRateLimit),
        .plain("workerBurst", \.workerBurst),
        .plain("accuracyWindow", \.accuracyWindow),
        .objective("loss", \.loss),
        .plain("families", \.families),
        .plain("familySelectionEvery", \.familySelectionEvery),
        .plain("familySelectionRows", \.familySelectionRows),
        .plain("familyMargin", \.familyMargin),
        .plain("rejectionThreshold", \.rejectionThreshold),
        .plain("receiveHighWaterMark", \.receiveHighWaterMark),
        .seconds("snapshotRetrySeconds", \.snapshotRetryInterval),
        .plain("snapshotAttempts", \.snapshotAttempts),
        .plain("stateDirectory", \.stateDirectory),
        .seconds("heartbeatSeconds", \.heartbeatInterval),
        .plain("curveKey", \.curveKey),
        .plain("allowDirectory", \.allowDirectory),
        .plain("insecure", \.insecure),
    ]

    /// A configuration error: an unknown field, or a value of the wrong type or range.
    public struct FieldError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Decodes a JSON object of fields on top of the defaults.
    /// - Throws: ``FieldError`` naming the field for an unknown name or a bad value.
    public init(json: Data) throws {
        self.init()
        try apply(json: json)
    }

    /// Applies a JSON object of fields on top of this configuration. `//` line comments are allowed
    /// (``JSONLineComments``), so a configuration file can explain itself.
    /// - Throws: ``FieldError`` naming the field for an unknown name or a bad value.
    public mutating func apply(json: Data) throws {
        do {
            self = try JSONDecoder().decode(Overlay.self, from: JSONLineComments.blanked(in: json), configuration: self)
                .configuration
        } catch let e as FieldError {
            throw e
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw FieldError(description: "not a JSON object: \(context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            throw FieldError(description: "not a JSON object: \(context.debugDescription)")
        } catch let e as DecodingError {
            throw FieldError(description: Self.describe(e))
        }
    }

    /// Sets one field from `--set NAME=VALUE`: VALUE is JSON (`200`, `0.5`, `"gpu-7"`, `[...]`) or, failing
    /// that, a plain string.
    public mutating func set(_ assignment: String) throws {
        guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else {
            throw FieldError(description: "expected NAME=VALUE, got '\(assignment)'")
        }
        let name = String(assignment[..<eq])
        let value = String(assignment[assignment.index(after: eq)...])
        let asJSON = Data("{\(Self.quoted(name)):\(value)}".utf8)
        if (try? JSONSerialization.jsonObject(with: asJSON)) != nil {
            try apply(json: asJSON)
        } else {
            try apply(json: Data("{\(Self.quoted(name)):\(Self.quoted(value))}".utf8))
        }
    }

    /// Every field as a JSON object (what `saturn agent --print-config` shows).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(Overlay(configuration: self))
    }

    private static func quoted(_ s: String) -> String {
        String(decoding: try! JSONEncoder().encode(s), as: UTF8.self)
    }

    private static func describe(_ e: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String { c.codingPath.map(\.stringValue).joined(separator: ".") }
        switch e {
        case .typeMismatch(let type, let c): return "\(path(c)): expected \(type)"
        case .valueNotFound(let type, let c): return "\(path(c)): expected \(type), found null"
        case .keyNotFound(let key, let c): return "\(path(c)): missing \(key.stringValue)"
        case .dataCorrupted(let c): return c.debugDescription
        @unknown default: return "\(e)"
        }
    }

    /// The coding of a whole configuration through ``fields`` (unknown names are errors).
    private struct Overlay: DecodableWithConfiguration, Encodable {
        var configuration: AgentConfiguration

        init(configuration: AgentConfiguration) { self.configuration = configuration }

        init(from decoder: any Decoder, configuration base: AgentConfiguration) throws {
            let c = try decoder.container(keyedBy: FieldKey.self)
            let known = Set(AgentConfiguration.fields.map(\.name))
            if let unknown = c.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
                throw FieldError(
                    description: "unknown field '\(unknown)' (known: \(AgentConfiguration.fields.map(\.name).joined(separator: ", ")))")
            }
            configuration = base
            for field in AgentConfiguration.fields { try field.read(c, &configuration) }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: FieldKey.self)
            for field in AgentConfiguration.fields { try field.write(&c, configuration) }
        }
    }
}

/// A coding key named at run time (the field names of ``AgentConfiguration/fields``).
struct FieldKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
