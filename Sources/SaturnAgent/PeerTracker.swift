import SaturnWire

/// The broadcast receiver's protocol logic as a value-type state machine: it decides, for each incoming
/// update, whether to drop it (and why), adopt it, and whether a sequence gap calls for a snapshot. The I/O
/// shell executes the returned actions; tests drive it directly.
///
/// Rules, per origin node:
/// - an update from this node is dropped (`own`);
/// - a larger `origin_epoch` means the origin restarted: its sequence tracking starts over (so a restarted
///   origin is never rejected as stale); a smaller epoch is `stale`;
/// - within an epoch, a sequence at or below the last seen is a `duplicate`; one above `last + 1` is a gap:
///   the update is still used, and a snapshot is requested from the origin's query endpoint;
/// - per key, an update older than the one already taken from the same origin — `(epoch, version)` compared in
///   that order — is `stale`.
public struct PeerTracker: Sendable {
    /// What to do with one update.
    public enum Action: Sendable, Equatable {
        case drop(reason: String)
        case adopt(snapshotFrom: String?)
    }

    struct Origin: Sendable {
        var epoch: UInt64
        var lastSequence: UInt64
    }

    let selfNode: String
    var origins: [String: Origin] = [:]
    var keyVersions: [ModelKey: [String: (epoch: UInt64, version: UInt64)]] = [:]

    public init(selfNode: String) { self.selfNode = selfNode }

    /// Handles one broadcast (already decoded and validated).
    public mutating func receive(
        origin: String, epoch: UInt64, sequence: UInt64, key: ModelKey, version: UInt64, queryEndpoint: String
    ) -> Action {
        if origin == selfNode { return .drop(reason: "own") }
        var gap = false
        if let known = origins[origin] {
            if epoch < known.epoch { return .drop(reason: "stale") }
            if epoch == known.epoch {
                if sequence <= known.lastSequence { return .drop(reason: "duplicate") }
                gap = sequence > known.lastSequence + 1
            } else {
                gap = sequence > 1
            }
        } else {
            // First message from this origin: anything before it was missed.
            gap = sequence > 1
        }
        origins[origin] = Origin(epoch: epoch, lastSequence: sequence)
        if !isNewer(key: key, origin: origin, epoch: epoch, version: version) { return .drop(reason: "stale") }
        keyVersions[key, default: [:]][origin] = (epoch, version)
        return .adopt(snapshotFrom: gap && !queryEndpoint.isEmpty ? queryEndpoint : nil)
    }

    /// Handles one set from a snapshot reply of `origin` (node id and epoch of the answering node).
    /// Returns true when the set is newer than what was taken from its origin.
    public mutating func receiveSnapshotSet(key: ModelKey, setOrigin: String, epoch: UInt64, version: UInt64) -> Bool {
        if setOrigin == selfNode || setOrigin.isEmpty { return false }
        guard isNewer(key: key, origin: setOrigin, epoch: epoch, version: version) else { return false }
        keyVersions[key, default: [:]][setOrigin] = (epoch, version)
        return true
    }

    /// After a snapshot reply from `node`, resume its sequence tracking at `lastSequence` (gap closed).
    public mutating func resynchronise(node: String, epoch: UInt64, lastSequence: UInt64) {
        if let known = origins[node], known.epoch > epoch { return }
        if let known = origins[node], known.epoch == epoch, known.lastSequence >= lastSequence { return }
        origins[node] = Origin(epoch: epoch, lastSequence: lastSequence)
    }

    private func isNewer(key: ModelKey, origin: String, epoch: UInt64, version: UInt64) -> Bool {
        guard let seen = keyVersions[key]?[origin] else { return true }
        return (epoch, version) > (seen.epoch, seen.version)
    }
}
