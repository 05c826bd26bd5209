/// A TCP listening address given as `HOST:PORT`, `[IPV6]:PORT` or a bare `PORT` (loopback, 127.0.0.1): what
/// `saturn agent --metrics` and the configuration's `metrics` field take. Port 0 asks the system for a free one.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// A host name or a literal address (IPv6 without brackets).
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `PORT`, `HOST:PORT` or `[IPV6]:PORT`; nil when malformed or the port is outside 0...65535.
    public init?(spec: String) {
        func port(_ s: Substring) -> Int? {
            guard !s.isEmpty, s.count <= 5, s.allSatisfy(\.isASCII), let p = Int(s), (0...65_535).contains(p) else {
                return nil
            }
            return p
        }
        if let p = port(spec[...]) {
            self.init(host: "127.0.0.1", port: p)
            return
        }
        if spec.hasPrefix("[") {
            guard let close = spec.firstIndex(of: "]") else { return nil }
            let host = spec[spec.index(after: spec.startIndex)..<close]
            let rest = spec[spec.index(after: close)...]
            guard !host.isEmpty, rest.hasPrefix(":"), let p = port(rest.dropFirst()) else { return nil }
            self.init(host: String(host), port: p)
            return
        }
        guard let colon = spec.lastIndex(of: ":"), spec.firstIndex(of: ":") == colon else { return nil }
        let host = spec[..<colon]
        guard !host.isEmpty, !host.contains(where: \.isWhitespace), let p = port(spec[spec.index(after: colon)...])
        else { return nil }
        self.init(host: String(host), port: p)
    }

    /// `HOST:PORT`, with IPv6 hosts in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
