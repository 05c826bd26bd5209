/// A (model, hardware) key: the unit the agent fits, predicts and shares parameters for (DESIGN section 3).
///
/// ```swift
/// let key = ModelKey(model: "llama2-70b", hardware: "h100-80gb-tp4")
/// print(key)   // llama2-70b@h100-80gb-tp4
/// ```
public struct ModelKey: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The model's name as engines report it (e.g. `llama2-70b`).
    public var model: String
    /// The hardware and parallelism (e.g. `h100-80gb-tp4`).
    public var hardware: String

    public init(model: String, hardware: String) {
        self.model = model
        self.hardware = hardware
    }

    /// `model@hardware`.
    public var description: String { "\(model)@\(hardware)" }

    public static func < (a: ModelKey, b: ModelKey) -> Bool { (a.model, a.hardware) < (b.model, b.hardware) }
}
