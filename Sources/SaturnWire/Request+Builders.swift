import SaturnModel

extension Saturn_V1_Request {
    /// A request of this protocol version with `requestID` and the body set by `body`.
    private static func make(_ requestID: UInt64, _ body: (inout Saturn_V1_Request) -> Void) -> Saturn_V1_Request {
        var r = Saturn_V1_Request()
        r.protocolVersion = wireProtocolVersion
        r.requestID = requestID
        body(&r)
        return r
    }

    /// A latency prediction for `batchSize` requests and `tokens` tokens of `key`.
    public static func predict(_ key: ModelKey, batchSize: Double, tokens: Double, requestID: UInt64 = 0)
        -> Saturn_V1_Request
    {
        make(requestID) { r in
            var p = Saturn_V1_PredictRequest()
            p.model = key.model
            p.hardware = key.hardware
            p.batchSize = batchSize
            p.tokens = tokens
            r.predict = p
        }
    }

    /// Every parameter set the node holds (a snapshot).
    public static func parameters(requestID: UInt64 = 0) -> Saturn_V1_Request {
        make(requestID) { $0.parameters = Saturn_V1_ParametersRequest() }
    }

    /// The node's health and counters.
    public static func health(requestID: UInt64 = 0) -> Saturn_V1_Request {
        make(requestID) { $0.health = Saturn_V1_HealthRequest() }
    }

    /// The most recent update candidates of `key` (nil: every key), at most `limit` per key (0: all kept).
    public static func updateHistory(_ key: ModelKey?, limit: Int = 0, requestID: UInt64 = 0) -> Saturn_V1_Request {
        make(requestID) { r in
            var body = Saturn_V1_UpdateHistoryRequest()
            body.model = key?.model ?? ""
            body.hardware = key?.hardware ?? ""
            body.limit = UInt32(clamping: limit)
            r.updateHistory = body
        }
    }
}
