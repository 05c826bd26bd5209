extension QueryError.Code {
    /// From the wire; nil for `UNSPECIFIED` and codes this build does not know.
    public init?(_ proto: Saturn_V1_ErrorCode) { self.init(rawValue: proto.rawValue) }

    /// To the wire.
    public var proto: Saturn_V1_ErrorCode { Saturn_V1_ErrorCode(rawValue: rawValue) ?? .internal }
}

extension Saturn_V1_Reply {
    /// An error reply.
    public static func error(_ e: QueryError, requestID: UInt64) -> Saturn_V1_Reply {
        var r = Saturn_V1_Reply()
        r.protocolVersion = wireProtocolVersion
        r.requestID = requestID
        var err = Saturn_V1_Error()
        err.code = e.code.proto
        err.message = e.message
        r.error = err
        return r
    }
}
