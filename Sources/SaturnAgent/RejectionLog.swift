import SaturnModel

/// One key's record of the observations the robust gate kept out of its fits: a total that counts each observation
/// once (the same row is judged again at every update while it stays in the window) and the last ones for the health
/// reply. Touched by the adaptation thread only.
struct RejectionLog: Sendable, Equatable {
    /// Most recent rejections kept.
    static let recentLimit = 20

    /// Distinct observations rejected so far.
    private(set) var total: UInt64 = 0
    /// The last ones (the highest observation numbers), oldest first.
    private(set) var recent: [RejectedObservation] = []
    /// Observation numbers already counted that may still be judged (those in the window).
    private var counted: Set<UInt64> = []

    /// Counts the rejections in `rows` not counted before, then forgets numbers below `oldestInWindow` (they can no
    /// longer come back).
    mutating func record(_ rows: [RejectedObservation], oldestInWindow: UInt64) {
        for row in rows.sorted(by: { $0.observation < $1.observation }) where counted.insert(row.observation).inserted {
            total += 1
            recent.append(row)
        }
        recent.sort { $0.observation < $1.observation }
        if recent.count > Self.recentLimit { recent.removeFirst(recent.count - Self.recentLimit) }
        if counted.contains(where: { $0 < oldestInWindow }) { counted = counted.filter { $0 >= oldestInWindow } }
    }
}
