/// Limits that make a value "absurd" rather than merely unusual; shared by every decoder and validator.
public enum WireLimits {
    public static let maximumBatchSize: Double = 1e6
    public static let maximumTokens: Double = 1e9
    public static let maximumLatencyMs: Double = 1e7
    /// Most KV-context tokens of one step (`K`): 1e12, far beyond any KV cache.
    public static let maximumKVContextTokens: Double = 1e12
    /// Most waiting requests in one admission query, and per tenant in an allocation query. The decision limits
    /// bound the work one query can cost the socket thread (best-effort admission with scanning is quadratic in
    /// the waiting requests; allocation visits up to every tenant per admission).
    public static let maximumWaitingRequests = 1024
    /// Most tenants in one allocation query.
    public static let maximumTenants = 64
    /// Most waiting requests over all tenants of one allocation query.
    public static let maximumAllocationRequests = 8192
    /// Most running requests in one admission or allocation query.
    public static let maximumRunningRequests = 1_000_000
    /// Most batch sizes (rows) in one SLA inverse or capacity query.
    public static let maximumBatchSizeRows = 4096
    /// Longest SLA, TTFT target or latency limit (ms).
    public static let maximumSLAMs: Double = 1e7
    /// Largest request rate (requests/s) a plan query may ask about.
    public static let maximumRequestRate: Double = 1e9
    /// Longest model, hardware, worker or node name in UTF-8 bytes.
    public static let maximumStringBytes = 256

    /// True when `s` is a usable name: 1 to ``maximumStringBytes`` bytes.
    public static func isValidName(_ s: String) -> Bool { !s.isEmpty && s.utf8.count <= maximumStringBytes }
}
