import CZeroMQ

/// ZeroMQ's Z85 text encoding of binary data (RFC 32, `zmq_z85_encode` / `zmq_z85_decode`): 5 characters per
/// 4 bytes, so a 32-byte CURVE key is 40 characters.
public enum Z85 {
    /// Encodes `bytes`, whose count must be a multiple of 4.
    /// - Returns: the text, or nil when the count is not a multiple of 4.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        var text = [CChar](repeating: 0, count: bytes.count / 4 * 5 + 1)
        let ok = bytes.withUnsafeBufferPointer { zmq_z85_encode(&text, $0.baseAddress, $0.count) } != nil
        guard ok else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Decodes Z85 text, whose length must be a multiple of 5.
    /// - Returns: the bytes, or nil when the length is not a multiple of 5 or a character is not in the alphabet.
    public static func decode(_ text: String) -> [UInt8]? {
        let count = text.utf8.count
        guard count % 5 == 0, text.utf8.allSatisfy(isAlphabet) else { return nil }
        var bytes = [UInt8](repeating: 0, count: count / 5 * 4)
        let ok = bytes.withUnsafeMutableBufferPointer { out in
            text.withCString { zmq_z85_decode(out.baseAddress, $0) }
        } != nil
        return ok ? bytes : nil
    }

    /// True when `c` is one of the 85 characters of the alphabet.
    static func isAlphabet(_ c: UInt8) -> Bool { alphabet.contains(c) }

    private static let alphabet = Set(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)
}
