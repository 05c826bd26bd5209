import CZeroMQ

/// libzmq's built-in proxy (`zmq_proxy`): forwards between `frontend` and `backend` until the context is shut
/// down. Blocks the calling thread; returns quietly on `ETERM`.
public func proxy(frontend: Socket, backend: Socket) throws(ZMQError) {
    guard let f = frontend.handle, let b = backend.handle else { preconditionFailure("proxy on closed socket") }
    let rc = zmq_proxy(f, b, nil)
    if rc == -1 {
        let e = zmq_errno()
        if e == ETERM { return }
        throw ZMQError(code: e, operation: "zmq_proxy")
    }
}
