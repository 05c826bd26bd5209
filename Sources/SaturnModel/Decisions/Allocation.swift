import SaturnNumerics

/// Multi-tenant allocation (DESIGN §6): per-tenant admissions into the next step that respect every quota and the
/// SLA, are work-conserving, and share the step by weighted max-min fairness.
///
/// **Rule (weighted progressive filling).** Let `L = sla · (1 − m)`, the step `(B, S)` start as the running batch,
/// and `aᵢ` count tenant `i`'s admissions (all 0). A request of `t` tokens *fits* when `T(B + 1, S + t) ≤ L`.
/// Tenant `i` is *eligible* when `aᵢ < quotaᵢ`, it has requests left, the cap `B < maximumBatchSize` holds, and at
/// least one of its remaining requests fits. Repeat:
///
/// 1. among the eligible tenants take the one with the smallest `aᵢ / weightᵢ` (ties: the first in tenant order);
/// 2. admit its **first remaining request in priority order that fits** (ascending priority, stable), i.e. the
///    tenant's most urgent request the step can still take; update `(B, S)` and `aᵢ`;
///
/// until no tenant is eligible. Fits are evaluated in the step as it is at each round, so a request that did not fit
/// earlier is reconsidered (at small `B`, `T` can fall as the batch grows).
///
/// **Properties** (checked over thousands of seeded cases in `AllocationTests`):
/// - quotas: `aᵢ ≤ quotaᵢ`; cap: `B₀ + Σ aᵢ ≤ maximumBatchSize`;
/// - SLA: every admission leaves `T(B, S) ≤ L`, so the predicted step is within `L` whenever anything is admitted
///   (the running batch alone being over `L` blocks nothing: a request whose admission brings it under fits);
/// - work-conserving: when it stops, no remaining request of any tenant below its quota fits (or the cap is reached);
/// - weighted max-min fairness, in **requests** (slots), because quotas count requests: whenever tenant `j` gets a
///   slot while some tenant `i` with quota and requests left has a smaller weighted count `aᵢ/wᵢ < aⱼ/wⱼ` (or an
///   equal one and comes first), none of `i`'s requests fits at that moment. So a tenant falls below its weighted
///   fair share `(Σ a) · wᵢ / Σ w` only when its quota, its demand or the size of its requests (none fits in what
///   is left of the step) holds it there; requests of different sizes are not converted into tokens. When `T` is
///   non-decreasing in `B` and `S` over the step (past the batching-efficiency region) this holds of the final
///   answer too: if `(aⱼ − 1)/wⱼ > aᵢ/wᵢ` for such an `i`, no remaining request of `i` fits even with `j`'s last
///   admission taken back.
///
/// Cost: per round, one or two model evaluations per tenant ahead of the chosen one in the weighted order (the
/// tenant's smallest remaining request decides whether any fits, unless it is on the falling side of the U in `S`,
/// where its requests are scanned), a scan of the chosen tenant's requests, and at most one pass over the tenants
/// to keep the order sorted. Scratch space is temporary stack buffers; only the result is allocated.
public enum Allocation {
    /// Decides the next step's per-tenant admissions.
    ///
    /// - Parameters:
    ///   - running: Tokens each running request adds to the next step.
    ///   - tenants: The tenants in order (ties in the fair share go to the earlier one).
    ///   - slaMs: The step-latency SLA (ms, > 0).
    ///   - options: Margin and concurrency cap.
    ///   - parameters: The key's current latency parameters.
    /// - Precondition: `slaMs > 0` and finite, `0 ≤ margin < 1`, cap ≥ 0, weights > 0 and finite, quotas ≥ 0.
    public static func decide(
        running: [Double], tenants: [AllocationTenant], slaMs: Double, options: AllocationOptions = .init(),
        parameters: LatencyParameters
    ) -> AllocationDecision {
        var total = 0.0
        for t in running { total += t }
        return decide(
            runningCount: running.count, runningTokens: total, tenants: tenants, slaMs: slaMs, options: options,
            parameters: parameters)
    }

    /// ``decide(running:tenants:slaMs:options:parameters:)`` with the running batch as its size and token total.
    public static func decide(
        runningCount b0: Int, runningTokens s0: Double, tenants: [AllocationTenant], slaMs: Double,
        options: AllocationOptions = .init(), parameters p: LatencyParameters
    ) -> AllocationDecision {
        precondition(slaMs > 0 && slaMs.isFinite, "the SLA is a positive number of milliseconds")
        precondition(options.safetyMargin >= 0 && options.safetyMargin < 1, "the safety margin is in [0, 1)")
        precondition((options.maximumBatchSize ?? 0) >= 0 && b0 >= 0, "batch sizes are ≥ 0")
        precondition(tenants.allSatisfy { $0.weight > 0 && $0.weight.isFinite && $0.quota >= 0 }, "weights > 0, quotas ≥ 0")
        var filling = Filling(
            batchSize: b0, tokens: s0, limit: slaMs * (1 - options.safetyMargin), parameters: p,
            current: b0 > 0 ? p.latency(batchSize: Double(b0), tokens: s0) : nil, tenantCount: tenants.count)
        var total = 0
        for t in tenants { total += t.waiting.count }
        guard total > 0 else { return filling.finish(.noWaiting, tenants: tenants) }
        var room = total
        for t in tenants where t.quota < t.waiting.count { room -= t.waiting.count - t.quota }
        filling.admitted.reserveCapacity(min(room, options.maximumBatchSize.map { max(0, $0 - b0) } ?? room))
        let reason = withUnsafeTemporaryAllocation(of: Int.self, capacity: total) { order in
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: total) { taken in
                withUnsafeTemporaryAllocation(of: Cursor.self, capacity: tenants.count) { cursors in
                    withUnsafeTemporaryAllocation(of: Int.self, capacity: tenants.count) { ranking in
                        filling.run(
                            tenants: tenants, order: order, taken: taken, cursors: cursors, ranking: ranking,
                            cap: options.maximumBatchSize)
                    }
                }
            }
        }
        return filling.finish(reason, tenants: tenants)
    }

    /// A tenant's place in its priority order (positions index the shared order buffer).
    struct Cursor {
        /// First position of the tenant's slice of the order buffer.
        var start: Int
        /// One past its last position.
        var end: Int
        /// First position not yet taken.
        var head: Int
        /// Position of the smallest remaining request (−1 when none is left).
        var smallest: Int
        var remaining: Int
        var admitted: Int
    }

    /// The step being filled.
    struct Filling {
        var batchSize: Int
        var tokens: Double
        let limit: Double
        let parameters: LatencyParameters
        let current: Double?
        var admitted: [AllocationDecision.Admitted] = []
        var counts: [Int]

        init(batchSize: Int, tokens: Double, limit: Double, parameters: LatencyParameters, current: Double?, tenantCount: Int) {
            self.batchSize = batchSize
            self.tokens = tokens
            self.limit = limit
            self.parameters = parameters
            self.current = current
            counts = [Int](repeating: 0, count: tenantCount)
        }

        @inline(__always)
        func fits(_ t: Double) -> Bool {
            parameters.latency(batchSize: Double(batchSize + 1), tokens: tokens + t) <= limit
        }

        mutating func run(
            tenants: [AllocationTenant], order: UnsafeMutableBufferPointer<Int>, taken: UnsafeMutableBufferPointer<Bool>,
            cursors: UnsafeMutableBufferPointer<Cursor>, ranking: UnsafeMutableBufferPointer<Int>, cap: Int?
        ) -> AllocationDecision.StopReason {
            // `ranking` holds the tenants in (admitted/weight, index) order, kept sorted as counts grow.
            for i in tenants.indices { ranking.initializeElement(at: i, to: i) }
            var offset = 0
            for (i, tenant) in tenants.enumerated() {
                let n = tenant.waiting.count
                PriorityOrder.fill(UnsafeMutableBufferPointer(rebasing: order[offset..<(offset + n)]), waiting: tenant.waiting)
                for k in 0..<n { taken.initializeElement(at: offset + k, to: false) }
                cursors.initializeElement(
                    at: i, to: Cursor(start: offset, end: offset + n, head: offset, smallest: -1, remaining: n, admitted: 0))
                Self.updateSmallest(&cursors[i], tenant: tenant, order: order, taken: taken)
                offset += n
            }
            defer {
                order.deinitialize()
                taken.deinitialize()
                cursors.deinitialize()
                ranking.deinitialize()
            }
            while true {
                var open = false  // a tenant with quota and requests left
                for i in tenants.indices where cursors[i].remaining > 0 && cursors[i].admitted < tenants[i].quota {
                    open = true
                    break
                }
                if !open {
                    return cursors.allSatisfy { $0.remaining == 0 } ? .allAdmitted : .quotaReached
                }
                if let cap, batchSize >= cap { return .batchSizeLimit }
                guard let rank = chooseTenant(tenants: tenants, order: order, taken: taken, cursors: cursors, ranking: ranking)
                else { return .slaBound }
                let chosen = ranking[rank]
                admitNext(of: chosen, tenant: tenants[chosen], order: order, taken: taken, cursor: &cursors[chosen])
                // Its weighted count grew: move it right past every tenant now ahead of it.
                var k = rank
                while k + 1 < ranking.count && Self.precedes(ranking[k + 1], chosen, tenants: tenants, cursors: cursors) {
                    ranking[k] = ranking[k + 1]
                    k += 1
                }
                ranking[k] = chosen
            }
        }

        /// `(aᵢ/wᵢ, i) < (aⱼ/wⱼ, j)`.
        static func precedes(
            _ i: Int, _ j: Int, tenants: [AllocationTenant], cursors: UnsafeMutableBufferPointer<Cursor>
        ) -> Bool {
            let ri = Double(cursors[i].admitted) / tenants[i].weight
            let rj = Double(cursors[j].admitted) / tenants[j].weight
            return ri < rj || (ri == rj && i < j)
        }

        /// The position in `ranking` of the eligible tenant with the smallest weighted count (first in tenant order
        /// on ties), or nil: the ranking is visited in order and a tenant is skipped when it has no quota or request
        /// left, or none of its requests fits now.
        func chooseTenant(
            tenants: [AllocationTenant], order: UnsafeMutableBufferPointer<Int>, taken: UnsafeMutableBufferPointer<Bool>,
            cursors: UnsafeMutableBufferPointer<Cursor>, ranking: UnsafeMutableBufferPointer<Int>
        ) -> Int? {
            for k in ranking.indices {
                let i = ranking[k]
                let c = cursors[i]
                guard c.remaining > 0 && c.admitted < tenants[i].quota else { continue }
                if hasFittingRequest(tenants[i], cursor: c, order: order, taken: taken) { return k }
            }
            return nil
        }

        /// Whether any remaining request of the tenant fits now. `T(B + 1, S + t)` is convex in `t`: when the
        /// smallest remaining request does not fit and the slope there is ≥ 0, no larger one does either.
        func hasFittingRequest(
            _ tenant: AllocationTenant, cursor c: Cursor, order: UnsafeMutableBufferPointer<Int>,
            taken: UnsafeMutableBufferPointer<Bool>
        ) -> Bool {
            guard c.smallest >= 0 else { return false }
            let t = tenant.waiting[order[c.smallest]].tokens
            if fits(t) { return true }
            if parameters.latencySlopeInTokens(batchSize: Double(batchSize + 1), tokens: tokens + t) >= 0 { return false }
            for k in c.head..<c.end where !taken[k] && fits(tenant.waiting[order[k]].tokens) { return true }
            return false
        }

        mutating func admitNext(
            of index: Int, tenant: AllocationTenant, order: UnsafeMutableBufferPointer<Int>,
            taken: UnsafeMutableBufferPointer<Bool>, cursor c: inout Cursor
        ) {
            for k in c.head..<c.end where !taken[k] {
                let request = tenant.waiting[order[k]]
                guard fits(request.tokens) else { continue }
                taken[k] = true
                admitted.append(.init(tenantIndex: index, waitingIndex: order[k], id: request.id, tokens: request.tokens))
                counts[index] += 1
                batchSize += 1
                tokens += request.tokens
                c.admitted += 1
                c.remaining -= 1
                while c.head < c.end && taken[c.head] { c.head += 1 }
                if k == c.smallest { Self.updateSmallest(&c, tenant: tenant, order: order, taken: taken) }
                return
            }
            preconditionFailure("a tenant chosen as eligible has a request that fits")
        }

        static func updateSmallest(
            _ c: inout Cursor, tenant: AllocationTenant, order: UnsafeMutableBufferPointer<Int>,
            taken: UnsafeMutableBufferPointer<Bool>
        ) {
            c.smallest = -1
            var smallest = Double.infinity
            for k in c.head..<c.end where !taken[k] {
                let t = tenant.waiting[order[k]].tokens
                if c.smallest < 0 || t < smallest {
                    smallest = t
                    c.smallest = k
                }
            }
        }

        func finish(_ reason: AllocationDecision.StopReason, tenants: [AllocationTenant]) -> AllocationDecision {
            var shares: [Double] = []
            for (i, t) in tenants.enumerated() where !t.waiting.isEmpty { shares.append(Double(counts[i]) / t.weight) }
            return AllocationDecision(
                admitted: admitted, admittedCounts: counts, currentLatencyMs: current,
                predictedLatencyMs: batchSize > 0 ? parameters.latency(batchSize: Double(batchSize), tokens: tokens) : nil,
                effectiveSLAMs: limit, stopReason: reason, jainIndex: admitted.isEmpty ? nil : Fairness.jainIndex(shares))
        }
    }
}
