import Foundation

/// Runs blocking work (socket calls, waits, sleeps) on a thread of its own, so that it never holds a thread of
/// Swift's cooperative pool, and resumes the caller with its result.
enum BlockingThread {
    /// Runs `body` on a new thread named `name` and returns what it returns.
    /// - Throws: what `body` throws.
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = name
            thread.start()
        }
    }
}
