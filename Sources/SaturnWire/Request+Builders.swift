import SaturnModel

extension Saturn_V1_Request {
    /// A request of this protocol version with `requestID` and the body set by `body`.
    fileprivate static func make(_ requestID: UInt64, _ body: (inout Saturn_V1_Request) -> Void) -> Saturn_V1_Request {
        var r = Saturn_V1_Request()
        r.protocolVersion = wireProtocolVersion
        r.requestID = requestID
        body(&r)
        return r
    }

    /// A latency prediction for `batchSize` requests and `tokens` tokens of `key`, with the step's KV-context tokens
    /// `K` and prefill attention `Q` when known (the agent assumes its set's ``TermDefaults`` for those not given).
    public static func predict(
        _ key: ModelKey, batchSize: Double, tokens: Double, kvTokens: Double? = nil,
        prefillAttentionTokens: Double? = nil, requestID: UInt64 = 0
    ) -> Saturn_V1_Request
    {
        make(requestID) { r in
            var p = Saturn_V1_PredictRequest()
            p.model = key.model
            p.hardware = key.hardware
            p.batchSize = batchSize
            p.tokens = tokens
            if let kvTokens { p.kvContextTokens = kvTokens }
            if let prefillAttentionTokens { p.prefillAttentionTokens = prefillAttentionTokens }
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

extension Saturn_V1_Request {
    /// An SLA inverse query (request 14).
    public static func slaInverse(_ query: SLAInverseQuery, requestID: UInt64 = 0) -> Saturn_V1_Request {
        make(requestID) { $0.slaInverse = query.proto }
    }

    /// A capacity query (request 15).
    public static func capacity(_ query: CapacityQuery, requestID: UInt64 = 0) -> Saturn_V1_Request {
        make(requestID) { $0.capacity = query.proto }
    }

    /// An admission query (request 16).
    public static func admission(_ query: AdmissionQuery, requestID: UInt64 = 0) -> Saturn_V1_Request {
        make(requestID) { $0.admission = query.proto }
    }

    /// An allocation query (request 17).
    public static func allocation(_ query: AllocationQuery, requestID: UInt64 = 0) -> Saturn_V1_Request {
        make(requestID) { $0.allocation = query.proto }
    }

    /// A planning query (request 18).
    public static func plan(_ query: PlanQuery, requestID: UInt64 = 0) -> Saturn_V1_Request {
        make(requestID) { $0.plan = query.proto }
    }
}
