// swift-tools-version:6.0
// Saturn: a throughput-saturation latency model for LLM inference steps, served on a ZeroMQ bus.
import PackageDescription

let package = Package(
    name: "Saturn",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "saturn", targets: ["SaturnCLI"]),
        .library(name: "SaturnNumerics", targets: ["SaturnNumerics"]),
        .library(name: "SaturnModel", targets: ["SaturnModel"]),
        .library(name: "SaturnWire", targets: ["SaturnWire"]),
        .library(name: "SaturnAgent", targets: ["SaturnAgent"]),
        .library(name: "SaturnClient", targets: ["SaturnClient"]),
        .library(name: "SaturnSimulator", targets: ["SaturnSimulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // Metrics: the API in the agent, the Prometheus backend and its HTTP endpoint in the executable only.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Layers, lowest first: numerics <- model <- wire <- agent / client <- CLI. Each target lists exactly
        // the modules it imports (checked by `--explicit-target-dependency-import-check error` in ops/test).

        // MARK: - Pure numerics and the model (no I/O)
        .target(name: "SaturnNumerics", dependencies: [.product(name: "RealModule", package: "swift-numerics")]),
        .target(
            name: "SaturnModel",
            dependencies: ["SaturnNumerics", .product(name: "RealModule", package: "swift-numerics")]
        ),

        // MARK: - A lock ThreadSanitizer understands (used by every module with threads)
        .target(name: "Locking"),

        // MARK: - ZeroMQ (libzmq from Debian's libzmq3-dev) and the wire protocol
        // libzmq from Debian's libzmq3-dev: zmq.h is on the default include path and the module map links -lzmq, so
        // no pkg-config flags are needed (libzmq.pc's `-isystem` flags made SwiftPM warn on every build).
        .systemLibrary(name: "CZeroMQ"),
        .target(name: "ZMQ", dependencies: ["CZeroMQ", "Locking"]),
        .target(
            name: "SaturnWire",
            dependencies: ["SaturnModel", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),

        // MARK: - The agent and its clients
        .target(
            name: "SaturnAgent",
            dependencies: [
                "ZMQ", "SaturnWire", "SaturnModel", "Locking",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "SaturnClient",
            dependencies: [
                "ZMQ", "SaturnWire", "SaturnModel", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),

        // MARK: - The trace-driven serving simulator (no sockets of its own; a policy may hold a client)
        .target(
            name: "SaturnSimulator",
            dependencies: ["SaturnModel", "SaturnNumerics", "SaturnClient", "SaturnWire", "Locking"]
        ),

        // MARK: - Executable
        .executableTarget(
            name: "SaturnCLI",
            dependencies: [
                "SaturnAgent", "SaturnClient", "SaturnModel", "SaturnNumerics", "SaturnSimulator", "SaturnWire", "Locking",
                // Only for the raw libzmq baseline of `saturn bench-bus`.
                "ZMQ", "CZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                // `--metrics`: the Prometheus registry behind the agent's metrics and its `/metrics` endpoint.
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // MARK: - Test support
        .target(name: "SaturnTestKit", dependencies: ["SaturnModel"]),

        // MARK: - Tests
        .testTarget(name: "SaturnNumericsTests", dependencies: ["SaturnNumerics", "SaturnTestKit"]),
        .testTarget(name: "SaturnModelTests", dependencies: ["SaturnModel", "SaturnNumerics", "SaturnTestKit"]),
        .testTarget(name: "ZMQTests", dependencies: ["ZMQ", "Locking"]),
        .testTarget(
            name: "SaturnWireTests",
            dependencies: [
                "SaturnWire", "SaturnModel", "SaturnNumerics", "SaturnTestKit",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "SaturnAgentTests",
            dependencies: [
                "SaturnAgent", "SaturnClient", "SaturnWire", "SaturnModel", "SaturnNumerics", "SaturnTestKit", "Locking", "ZMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "SaturnClientTests",
            dependencies: [
                "SaturnClient", "SaturnAgent", "SaturnWire", "SaturnModel", "SaturnTestKit", "ZMQ", "Locking",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "SaturnSimulatorTests",
            dependencies: [
                "SaturnSimulator", "SaturnModel", "SaturnNumerics", "SaturnAgent", "SaturnClient", "SaturnTestKit", "Locking",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SaturnCLITests",
            dependencies: [
                "SaturnCLI", "SaturnAgent", "SaturnModel", "SaturnTestKit", "ZMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

// One settings list for every target.
let sharedSettings: [SwiftSetting] = [
    // SE-0335: `any` is spelled out for existentials.
    .enableUpcomingFeature("ExistentialAny"),
    // SE-0444: a file sees only the modules it imports itself.
    .enableUpcomingFeature("MemberImportVisibility"),
]
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + sharedSettings
}
