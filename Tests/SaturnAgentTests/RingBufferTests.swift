import SaturnAgent
import Testing

struct RingBufferTests {
    @Test func keepsTheNewest() {
        var r = RingBuffer<Int>(capacity: 3)
        for i in 1...5 { r.append(i) }
        #expect(r.count == 3 && r.suffix(3) == [3, 4, 5] && r.suffix(2) == [4, 5] && r.suffix(10) == [3, 4, 5])
    }

    @Test func appendReportsWhatItOverwrites() {
        var r = RingBuffer<Int>(capacity: 2)
        #expect(r.append(1) == nil && !r.wrapped)
        #expect(r.append(2) == nil && r.wrapped)  // first fill
        #expect(r.append(3) == 1 && !r.wrapped)
        #expect(r.append(4) == 2 && r.wrapped)
    }
}
