/// Limits that make a value "absurd" rather than merely unusual; shared by every decoder and validator.
public enum WireLimits {
    public static let maximumBatchSize: Double = 1e6
    public static let maximumTokens: Double = 1e9
    public static let maximumLatencyMs: Double = 1e7
    /// Longest model, hardware, worker or node name in UTF-8 bytes.
    public static let maximumStringBytes = 256

    /// True when `s` is a usable name: 1 to ``maximumStringBytes`` bytes.
    public static func isValidName(_ s: String) -> Bool { !s.isEmpty && s.utf8.count <= maximumStringBytes }
}
