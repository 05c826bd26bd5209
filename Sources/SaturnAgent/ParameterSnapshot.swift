import SaturnModel
import SaturnWire

/// One key's current parameters with provenance: immutable, swapped whole (predictions read it lock-free of any
/// computation).
public struct ParameterSnapshot: Sendable, Equatable {
    public var key: ModelKey
    public var parameters: LatencyParameters
    /// Per-key version at the origin (0 for priors).
    public var version: UInt64
    public var originNode: String
    public var originEpoch: UInt64
    public var sampleCount: UInt64
    public var quality: Saturn_V1_FitQuality
    public var source: Saturn_V1_ParameterSource
    public var sourceDetail: String

    /// The wire form.
    public var proto: Saturn_V1_ParameterSet {
        var s = Saturn_V1_ParameterSet()
        s.key = key.proto
        s.parameters = parameters.proto
        s.version = version
        s.originNode = originNode
        s.originEpoch = originEpoch
        s.sampleCount = sampleCount
        s.quality = quality
        s.source = source
        s.sourceDetail = sourceDetail
        return s
    }

    /// From the wire, validated: nil when the key is empty or the parameters are non-finite or outside the
    /// physical bounds (such a set must never reach the model).
    public init?(validating set: Saturn_V1_ParameterSet) {
        let key = ModelKey(set.key)
        let p = LatencyParameters(set.parameters)
        guard !key.model.isEmpty, !key.hardware.isEmpty, key.model.utf8.count <= WireLimits.maximumStringBytes,
            key.hardware.utf8.count <= WireLimits.maximumStringBytes, set.hasParameters, p.isWithin(.physical)
        else { return nil }
        self.init(
            key: key, parameters: p, version: set.version, originNode: set.originNode, originEpoch: set.originEpoch,
            sampleCount: set.sampleCount, quality: set.quality, source: set.source, sourceDetail: set.sourceDetail)
    }

    public init(
        key: ModelKey, parameters: LatencyParameters, version: UInt64, originNode: String, originEpoch: UInt64,
        sampleCount: UInt64, quality: Saturn_V1_FitQuality, source: Saturn_V1_ParameterSource, sourceDetail: String
    ) {
        self.key = key
        self.parameters = parameters
        self.version = version
        self.originNode = originNode
        self.originEpoch = originEpoch
        self.sampleCount = sampleCount
        self.quality = quality
        self.source = source
        self.sourceDetail = sourceDetail
    }
}

/// A bounded ring buffer (oldest entries are overwritten).
public struct RingBuffer<Element: Sendable>: Sendable {
    private var storage: [Element] = []
    private var head = 0
    public let capacity: Int

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    public var count: Int { storage.count }

    /// Appends `e`; returns the element it overwrote when full.
    @discardableResult
    public mutating func append(_ e: Element) -> Element? {
        if storage.count < capacity {
            storage.append(e)
            return nil
        }
        let evicted = storage[head]
        storage[head] = e
        head = (head + 1) % capacity
        return evicted
    }

    /// True when the buffer is full and its oldest element is at the start: right after the first fill and after
    /// every full turn of overwrites.
    public var wrapped: Bool { storage.count == capacity && head == 0 }

    /// The last `n` elements, oldest first.
    public func suffix(_ n: Int) -> [Element] {
        let k = Swift.min(n, storage.count)
        var out: [Element] = []
        out.reserveCapacity(k)
        let start = storage.count < capacity ? storage.count - k : (head + capacity - k) % capacity
        for i in 0..<k { out.append(storage[(start + i) % storage.count]) }
        return out
    }
}
