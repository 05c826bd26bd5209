import Locking
import SaturnModel
import ZMQ

/// Work for the socket thread from other threads.
enum BusCommand: Sendable {
    /// Publish a set this node accepted to its peers (the socket thread numbers and encodes it).
    case publish(ParameterSnapshot)
    /// Leave the loop and close every socket.
    case stop
}

/// The socket thread's inbox: commands in a lock-guarded queue, and a wake-up byte sent through an
/// `inproc://` PAIR pipe so that the thread's `zmq_poll` returns at once.
final class BusMailbox: @unchecked Sendable {
    // @unchecked: `State.waker` is a socket; it is created, used and closed only while holding `state`'s lock,
    // so it belongs to whichever thread holds the lock (zmq(7): migration behind a full memory barrier).
    struct State {
        var commands: [BusCommand] = []
        var waker: Socket? = nil
        var closed = false
    }

    let context: Context
    /// The PAIR endpoint the socket thread binds.
    let endpoint: String
    private let state = Locked(State())

    init(context: Context, name: String) {
        self.context = context
        endpoint = "inproc://saturn-bus-\(name)"
    }

    /// Queues a command and wakes the socket thread. Ignored after ``close()``.
    func post(_ command: BusCommand) {
        state.withLock { s in
            guard !s.closed else { return }
            s.commands.append(command)
            do {
                if s.waker == nil {
                    let w = try Socket(context, .pair)
                    try w.connect(endpoint)
                    s.waker = w
                }
                // One byte is enough: the thread drains the whole queue per wake-up.
                _ = try s.waker!.send([[1]], wait: false)
            } catch {
                // The thread still polls with a bounded timeout, so the command is picked up anyway.
            }
        }
    }

    /// Takes every queued command.
    func drain() -> [BusCommand] {
        state.withLock { s in
            defer { s.commands.removeAll() }
            return s.commands
        }
    }

    /// Closes the sending end (before the context is terminated).
    func close() {
        state.withLock { s in
            s.closed = true
            s.waker?.close()
            s.waker = nil
        }
    }
}
