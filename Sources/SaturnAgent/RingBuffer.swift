/// A bounded ring buffer: once full, each append overwrites the oldest element.
public struct RingBuffer<Element: Sendable>: Sendable {
    private var storage: [Element] = []
    private var head = 0
    public let capacity: Int

    /// - Precondition: `capacity > 0`.
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
