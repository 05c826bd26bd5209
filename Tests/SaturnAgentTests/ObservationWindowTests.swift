import Testing

@testable import SaturnAgent

struct ObservationWindowTests {
    static func row(_ i: Int) -> Observation {
        Observation(batchSize: Double(i), tokens: 1, latencyMs: 1, kvTokens: 0, prefillAttentionTokens: 0, predictedMs: 1)
    }

    @Test func keepsTheNewestAcrossChunkBoundaries() {
        let size = ObservationWindow.chunkSize
        for capacity in [1, 7, size - 1, size, size + 1, 3 * size + 5] {
            var w = ObservationWindow(capacity: capacity)
            var appended = 0
            for total in [0, 1, capacity - 1, capacity, capacity + 1, 2 * capacity + size + 3, 5 * size] {
                while appended < total {
                    w.append(Self.row(appended))
                    appended += 1
                }
                #expect(w.count == min(appended, capacity))
                for n in [0, 1, 3, capacity, capacity + 10] {
                    let got = w.snapshot(last: n).elements().map { Int($0.batchSize) }
                    let k = min(n, w.count)
                    #expect(got == Array((appended - k)..<appended), "capacity \(capacity), \(appended) rows, last \(n)")
                }
            }
        }
    }

    @Test func aSnapshotIsUnchangedByLaterAppends() {
        var w = ObservationWindow(capacity: 1000)
        for i in 0..<1500 { w.append(Self.row(i)) }
        let snapshot = w.snapshot(last: 600)
        for i in 1500..<4000 { w.append(Self.row(i)) }  // every chunk the snapshot holds has left the window
        #expect(snapshot.elements().map { Int($0.batchSize) } == Array(900..<1500))
        #expect(w.snapshot(last: 2).elements().map { Int($0.batchSize) } == [3998, 3999])
    }
}
