import Synchronization
import ZMQ

/// What each socket-owning `Service` (``Agent``, ``Forwarder``) does first in `run()`: refuse a second run, and
/// make its ZeroMQ context, reporting a failure to whoever awaits its bound endpoints as well as throwing it.
enum ServiceStart {
    static func context<Endpoints: Sendable>(
        _ started: borrowing Atomic<Bool>, name: String, bound: Completion<Result<Endpoints, AgentError>>
    ) throws(AgentError) -> Context {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else {
            throw AgentError(.alreadyRunning, "\(name) runs once")
        }
        do {
            return try Context()
        } catch {
            let e = AgentError(.socketFailed, "cannot create a ZeroMQ context", cause: error)
            bound.complete(.failure(e))
            throw e
        }
    }
}
