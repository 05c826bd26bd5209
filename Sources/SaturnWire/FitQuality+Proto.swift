import SaturnModel

extension FitQuality {
    /// From the wire.
    public init(_ proto: Saturn_V1_FitQuality) {
        self.init(
            meanRelativeError: proto.meanRelativeError, p95RelativeError: proto.p95RelativeError, r2: proto.r2,
            rows: proto.rows)
    }

    /// To the wire.
    public var proto: Saturn_V1_FitQuality {
        var q = Saturn_V1_FitQuality()
        q.meanRelativeError = meanRelativeError
        q.p95RelativeError = p95RelativeError
        q.r2 = r2
        q.rows = rows
        return q
    }
}
