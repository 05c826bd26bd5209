import CZeroMQ

extension Socket {
    /// Reports this socket's successful connection handshakes (`zmq_socket_monitor` with
    /// `ZMQ_EVENT_HANDSHAKE_SUCCEEDED`) on a new PAIR socket connected to `endpoint` (an unused `inproc://`
    /// name): each event arrives there as one two-frame message. Close the returned socket before this one.
    public func monitorHandshakes(endpoint: String) throws(ZMQError) -> Socket {
        _ = try zmqCall("zmq_socket_monitor \(endpoint)") {
            zmq_socket_monitor(live, endpoint, ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
        }
        let pair = try Socket(context, .pair)
        try pair.connect(endpoint)
        return pair
    }

    /// Waits up to `milliseconds` (-1: forever) for input on this socket alone.
    public func waitForInput(milliseconds: Int) throws(ZMQError) -> Bool {
        var poller = Poller([self])
        return try poller.poll(timeout: milliseconds)[0]
    }
}
