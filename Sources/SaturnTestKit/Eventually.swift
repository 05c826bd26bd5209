import Foundation

/// Polls `condition` every 20 ms until it holds or `timeout` passes (readiness checks instead of fixed sleeps).
/// - Returns: whether the condition held in time.
public func eventually(_ timeout: Duration = .seconds(20), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}
