import CZeroMQ

extension Socket {
    /// Makes this socket a CURVE server (`ZMQ_CURVE_SERVER`, `ZMQ_CURVE_SECRETKEY`) for the endpoints it binds or
    /// connects afterwards. Clients must know the matching public key; without a ZAP handler on the context
    /// (`inproc://zeromq.zap.01`, see ``ZAPRequest``) any client key is accepted.
    /// - Parameters:
    ///   - secretKey: the server's secret key (Z85, 40 characters).
    ///   - domain: the `ZMQ_ZAP_DOMAIN` sent to the ZAP handler (which socket is asking).
    /// - Throws: ``ZMQError`` (`EINVAL` for a malformed key; `ENOTSUP` without CURVE).
    public func makeCurveServer(secretKey: String, domain: String = "") throws(ZMQError) {
        try CurveKeyPair.requireCurve()
        try setOption(ZMQ_CURVE_SERVER, Int32(1))
        try setOption(ZMQ_CURVE_SECRETKEY, Array(secretKey.utf8))
        if !domain.isEmpty { try setOption(ZMQ_ZAP_DOMAIN, Array(domain.utf8)) }
    }

    /// Makes this socket a CURVE client of the server whose public key is `serverKey`, for the endpoints it
    /// connects afterwards (the options are read at connect time, so a socket can connect to servers with
    /// different keys by calling this before each connect).
    /// - Parameters:
    ///   - serverKey: the server's public key (Z85).
    ///   - keys: this client's pair (its public key is what the server's allow-list must hold).
    /// - Throws: ``ZMQError`` (`EINVAL` for a malformed key; `ENOTSUP` without CURVE).
    public func makeCurveClient(serverKey: String, keys: CurveKeyPair) throws(ZMQError) {
        try CurveKeyPair.requireCurve()
        try setOption(ZMQ_CURVE_SERVERKEY, Array(serverKey.utf8))
        try setOption(ZMQ_CURVE_PUBLICKEY, Array(keys.publicKey.utf8))
        try setOption(ZMQ_CURVE_SECRETKEY, Array(keys.secretKey.utf8))
    }
}
