import CZeroMQ

/// A CURVE key pair (Curve25519) as the 40-character Z85 texts libzmq's `ZMQ_CURVE_*KEY` options take.
///
/// ```swift
/// try CurveKeyPair.requireCurve()
/// let server = try CurveKeyPair.generate()
/// let socket = try Socket(context, .router)
/// try socket.makeCurveServer(secretKey: server.secretKey)
/// ```
public struct CurveKeyPair: Sendable, Equatable {
    /// The public key (Z85, 40 characters): what peers are given and allow-lists hold.
    public var publicKey: String
    /// The secret key (Z85, 40 characters): never leaves its owner.
    public var secretKey: String

    /// A pair from its two keys, unchecked (use ``init(secretKey:)`` to derive and so check the public key).
    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// The pair of a secret key, its public key derived by `zmq_curve_public`.
    /// - Throws: ``ZMQError`` (`EINVAL`) when `secretKey` is not a 40-character Z85 key, `ENOTSUP` without CURVE.
    public init(secretKey: String) throws(ZMQError) {
        guard Self.isKey(secretKey) else { throw ZMQError(code: EINVAL, operation: "zmq_curve_public") }
        var text = [CChar](repeating: 0, count: 41)
        _ = try zmqCall("zmq_curve_public") { secretKey.withCString { zmq_curve_public(&text, $0) } }
        self.init(publicKey: Self.string(text), secretKey: secretKey)
    }

    /// A new random pair (`zmq_curve_keypair`).
    /// - Throws: ``ZMQError`` (`ENOTSUP`) when libzmq was built without CURVE.
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = [CChar](repeating: 0, count: 41)
        _ = try zmqCall("zmq_curve_keypair") { zmq_curve_keypair(&publicText, &secretText) }
        return CurveKeyPair(publicKey: string(publicText), secretKey: string(secretText))
    }

    /// True when libzmq has CURVE (`zmq_has("curve")`).
    public static var isCurveAvailable: Bool { zmq_has("curve") == 1 }

    /// Fails clearly when libzmq has no CURVE.
    /// - Throws: ``ZMQError`` (`ENOTSUP`, operation `zmq_has curve`).
    public static func requireCurve() throws(ZMQError) {
        guard isCurveAvailable else { throw ZMQError(code: ENOTSUP, operation: "zmq_has curve (libzmq without CURVE)") }
    }

    /// True when `text` is a 40-character Z85 key.
    public static func isKey(_ text: String) -> Bool {
        text.utf8.count == 40 && Z85.decode(text)?.count == 32
    }

    private static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
