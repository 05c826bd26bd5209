import SaturnModel

/// Checks shared by the decision queries' validating initialisers; each failure is an
/// ``QueryError/Code/invalidArgument`` naming the field.
enum DecisionValidation {
    static func invalid(_ message: String) -> QueryError { QueryError(.invalidArgument, message) }

    /// A valid `(model, hardware)` key.
    static func key(model: String, hardware: String) throws(QueryError) -> ModelKey {
        guard WireLimits.isValidName(model) else {
            throw invalid("model must be 1...\(WireLimits.maximumStringBytes) bytes")
        }
        guard WireLimits.isValidName(hardware) else {
            throw invalid("hardware must be 1...\(WireLimits.maximumStringBytes) bytes")
        }
        return ModelKey(model: model, hardware: hardware)
    }

    /// A finite SLA in `(0, maximumSLAMs]`.
    static func sla(_ value: Double, field: String) throws(QueryError) -> Double {
        guard value.isFinite, value > 0, value <= WireLimits.maximumSLAMs else {
            throw invalid("\(field) must be finite and in (0, 1e7] ms, got \(value)")
        }
        return value
    }

    /// A finite number in `range`.
    static func number(_ value: Double, field: String, in range: ClosedRange<Double>) throws(QueryError) -> Double {
        guard value.isFinite, range.contains(value) else {
            throw invalid("\(field) must be finite and in [\(range.lowerBound), \(range.upperBound)], got \(value)")
        }
        return value
    }

    /// Running-request tokens: at most ``WireLimits/maximumRunningRequests``, each finite in `[0, 1e9]`.
    static func running(_ tokens: [Double], field: String = "running_tokens") throws(QueryError) -> [Double] {
        guard tokens.count <= WireLimits.maximumRunningRequests else {
            throw invalid("\(field) has \(tokens.count) entries, more than \(WireLimits.maximumRunningRequests)")
        }
        for (i, t) in tokens.enumerated() where !(t.isFinite && t >= 0 && t <= WireLimits.maximumTokens) {
            throw invalid("\(field)[\(i)] must be finite and in [0, 1e9], got \(t)")
        }
        return tokens
    }

    /// Candidates from the `(ids, priorities, tokens)` columns: equal lengths (priorities may be empty), at most
    /// ``WireLimits/maximumWaitingRequests``, finite priorities, tokens finite in `[0, 1e9]`.
    static func candidates(
        ids: [UInt64], priorities: [Double], tokens: [Double], field: String
    ) throws(QueryError) -> [AdmissionCandidate] {
        guard ids.count <= WireLimits.maximumWaitingRequests else {
            throw invalid("\(field) has \(ids.count) requests, more than \(WireLimits.maximumWaitingRequests)")
        }
        guard tokens.count == ids.count else {
            throw invalid("\(field): \(tokens.count) tokens for \(ids.count) ids (one each)")
        }
        guard priorities.isEmpty || priorities.count == ids.count else {
            throw invalid("\(field): \(priorities.count) priorities for \(ids.count) ids (none, or one each)")
        }
        var result: [AdmissionCandidate] = []
        result.reserveCapacity(ids.count)
        for i in ids.indices {
            let t = tokens[i]
            guard t.isFinite, t >= 0, t <= WireLimits.maximumTokens else {
                throw invalid("\(field) tokens[\(i)] must be finite and in [0, 1e9], got \(t)")
            }
            let priority = priorities.isEmpty ? 0 : priorities[i]
            guard priority.isFinite else { throw invalid("\(field) priorities[\(i)] must be finite, got \(priority)") }
            result.append(AdmissionCandidate(id: ids[i], priority: priority, tokens: t))
        }
        return result
    }

    /// Throws when two of `ids` are equal. Linear: an open-addressing table (Fibonacci hashing, linear probing,
    /// load at most 1/2) in a temporary buffer, so checking 8 × 64 ids costs about a microsecond.
    static func distinct(_ ids: [UInt64], field: String) throws(QueryError) {
        guard ids.count > 1 else { return }
        var bits = 1
        while (1 << bits) < 2 * ids.count { bits += 1 }
        let size = 1 << bits
        let duplicate: UInt64? = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: size) { slots in
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: size) { used in
                used.initialize(repeating: false)
                slots.initialize(repeating: 0)
                defer {
                    used.deinitialize()
                    slots.deinitialize()
                }
                let mask = size - 1
                for id in ids {
                    var h = Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
                    while used[h] {
                        if slots[h] == id { return id }
                        h = (h + 1) & mask
                    }
                    used[h] = true
                    slots[h] = id
                }
                return nil
            }
        }
        if let duplicate { throw invalid("\(field): duplicate request id \(duplicate)") }
    }

    /// A batch-size range `[min, max]` (0 for min means 1) of at most ``WireLimits/maximumBatchSizeRows`` rows.
    static func batchSizes(min lower: UInt32, max upper: UInt32) throws(QueryError) -> ClosedRange<Int> {
        let lo = Int(Swift.max(lower, 1))
        let hi = Int(upper)
        guard hi >= lo else { throw invalid("max_batch_size (\(hi)) must be >= min_batch_size (\(lo))") }
        guard hi - lo < WireLimits.maximumBatchSizeRows, Double(hi) <= WireLimits.maximumBatchSize else {
            throw invalid("batch sizes \(lo)...\(hi): at most \(WireLimits.maximumBatchSizeRows) rows up to 1e6")
        }
        return lo...hi
    }

    /// A token range `[min, max]` (0 for min means 1), `0 < min ≤ max ≤ 1e9`.
    static func tokens(min lower: Double, max upper: Double) throws(QueryError) -> ClosedRange<Double> {
        let lo = lower == 0 ? 1 : lower
        guard lo.isFinite, lo > 0, lo <= WireLimits.maximumTokens else {
            throw invalid("min_tokens must be finite and in (0, 1e9], got \(lower)")
        }
        guard upper.isFinite, upper >= lo, upper <= WireLimits.maximumTokens else {
            throw invalid("max_tokens must be finite and in [min_tokens, 1e9], got \(upper)")
        }
        return lo...upper
    }
}
