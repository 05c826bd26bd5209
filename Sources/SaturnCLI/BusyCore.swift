import Foundation
import Synchronization

/// A thread that keeps one core busy (an integer spin loop, no memory traffic) until ``stop()``: `bench-bus
/// --busy-core` measures with one of the machine's cores taken, as on a shared host.
final class BusyCore: Sendable {
    private let stopping = Atomic<Bool>(false)
    /// The spin loop's result, stored so that the loop cannot be optimised away.
    private let sink = Atomic<UInt64>(0)
    private let finished = DispatchSemaphore(value: 0)

    init() {
        let thread = Thread { [self] in
            var x: UInt64 = 1
            while !stopping.load(ordering: .relaxed) {
                for _ in 0..<10_000 { x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
            }
            sink.store(x, ordering: .relaxed)
            finished.signal()
        }
        thread.name = "bench-busy-core"
        thread.start()
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
    }
}
