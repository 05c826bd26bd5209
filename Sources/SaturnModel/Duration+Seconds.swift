extension Duration {
    /// The duration in seconds as a `Double` (attosecond precision folded in).
    public var inSeconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    /// The duration in whole milliseconds, rounded towards zero.
    public var inMilliseconds: Int64 {
        let c = components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }
}
