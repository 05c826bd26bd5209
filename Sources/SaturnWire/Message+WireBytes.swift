import SwiftProtobuf

extension SwiftProtobuf.Message {
    /// The message's protobuf encoding. Saturn's messages are proto3 without extensions or `Any` fields, for
    /// which encoding cannot fail; a failure is a programming error and traps.
    public func wireBytes() -> [UInt8] {
        do {
            return try serializedBytes()
        } catch {
            preconditionFailure("encoding \(Self.protoMessageName) failed: \(error)")
        }
    }

    /// Decodes `bytes`; nil when they are not this message.
    public init?(wireBytes bytes: [UInt8]) {
        guard let m = try? Self(serializedBytes: bytes) else { return nil }
        self = m
    }
}
