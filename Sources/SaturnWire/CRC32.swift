/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the checksum zlib's `crc32` and Python's `zlib.crc32`
/// compute, so a state file can be checked outside Saturn. `CRC32.checksum(Array("123456789".utf8))` is
/// 0xCBF43926.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
