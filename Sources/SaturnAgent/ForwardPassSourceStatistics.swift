import SaturnModel
import SaturnWire

/// What the agent has received from one Forward Pass Metrics publisher: counts by kind, drops by reason, sequence
/// gaps, and when it last heard a message, a step and a heartbeat (its liveness: an idle engine sends a heartbeat
/// about once a second).
public struct ForwardPassSourceStatistics: Sendable, Equatable {
    /// The configured publisher.
    public var source: ForwardPassSource
    /// Messages received, of every kind (dropped ones included).
    public var messages: UInt64 = 0
    /// Steps decoded and passed on to the key's window.
    public var steps: UInt64 = 0
    /// Idle heartbeats (liveness, never steps).
    public var heartbeats: UInt64 = 0
    /// Messages dropped, by reason.
    public var drops: [DropReason: UInt64] = [:]
    /// Times the sequence number jumped forward (the messages in between were lost); the message itself is used.
    public var sequenceGaps: UInt64 = 0
    /// Sequence numbers skipped over all gaps.
    public var missedMessages: UInt64 = 0
    /// Times the sequence number went back or repeated (a publisher that restarted counts from 0 again).
    public var sequenceRestarts: UInt64 = 0
    /// Payload map keys skipped because this build does not know them.
    public var unknownKeys: UInt64 = 0
    /// Sequence number of the last message with a valid frame layout (nil before the first).
    public var lastSequence: UInt64?
    /// When the last message, step and heartbeat arrived (the receiving batch's time; nil when none has).
    public var lastMessageAt: ContinuousClock.Instant?
    public var lastStepAt: ContinuousClock.Instant?
    public var lastHeartbeatAt: ContinuousClock.Instant?
    /// `worker_id` and `dp_rank` of the last decoded message.
    public var workerID = ""
    public var dpRank: Int64 = 0

    public init(source: ForwardPassSource) { self.source = source }

    /// Counts one message with frame sequence `sequence`: a jump forward is a gap, a step back or a repeat a
    /// restart (the next gap is measured from the new position).
    mutating func observe(sequence: UInt64) {
        if let last = lastSequence {
            if sequence > last &+ 1 && last != .max {
                sequenceGaps += 1
                missedMessages &+= sequence - last - 1
            } else if sequence <= last {
                sequenceRestarts += 1
            }
        }
        lastSequence = sequence
    }
}
