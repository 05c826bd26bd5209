import Foundation
import Locking
import SaturnModel
import Synchronization

/// A thread that scrapes `GET /metrics` at a fixed interval until ``stop()``, as Prometheus would (one TCP
/// connection per scrape: the server closes it after the response), timing each scrape from connect to the
/// server's close. For `saturn bench-bus --measure scrape`.
final class MetricsScraper: Sendable {
    /// One scrape: wall time from connect to the end of the response, and the bytes received.
    struct Scrape: Sendable {
        var seconds: Double
        var bytes: Int
        var ok: Bool
    }

    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let scrapes = Locked<[Scrape]>([])

    /// Starts scraping `http://127.0.0.1:port/metrics` every `interval`.
    init(port: Int, interval: Duration) {
        let thread = Thread { [self] in
            defer { finished.signal() }
            var next = ContinuousClock.now
            while !stopping.load(ordering: .relaxed) {
                let scrape = Self.scrape(port: port)
                scrapes.withLock { $0.append(scrape) }
                next += interval
                let wait = next - ContinuousClock.now
                if wait > .zero { Thread.sleep(forTimeInterval: wait.inSeconds) }
            }
        }
        thread.name = "bench-scraper"
        thread.start()
    }

    /// Stops the thread and returns every scrape it made.
    func stop() -> [Scrape] {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
        return scrapes.withLock { $0 }
    }

    /// One `GET /metrics` over a new connection to 127.0.0.1.
    static func scrape(port: Int) -> Scrape {
        let started = ContinuousClock.now
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return Scrape(seconds: 0, bytes: 0, ok: false) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return Scrape(seconds: 0, bytes: 0, ok: false) }
        let request = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\n\r\n".utf8)
        guard write(fd, request, request.count) == request.count else { return Scrape(seconds: 0, bytes: 0, ok: false) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var total = 0
        var head: [UInt8] = []
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            if head.count < 12 { head += buffer[..<min(n, 12)] }
            total += n
        }
        let ok = String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 200")
        return Scrape(seconds: (ContinuousClock.now - started).inSeconds, bytes: total, ok: ok)
    }
}
