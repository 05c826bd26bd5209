// swift-tools-version:6.0
// Saturn: a throughput-saturation latency model for LLM inference steps, served on a ZeroMQ bus.
import PackageDescription

let package = Package(
    name: "Saturn",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "saturn", targets: ["SaturnCLI"]),
        .library(name: "SaturnModel", targets: ["SaturnModel"]),
        .library(name: "SaturnNumerics", targets: ["SaturnNumerics"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // MARK: - Pure numerics (no I/O, no Foundation)
        .target(
            name: "SaturnNumerics",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(name: "SaturnModel", dependencies: ["SaturnNumerics"]),

        // MARK: - Executable
        .executableTarget(
            name: "SaturnCLI",
            dependencies: [
                "SaturnModel",
                "SaturnNumerics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Test support
        .target(name: "SaturnTestKit", dependencies: ["SaturnModel"]),

        // MARK: - Tests
        .testTarget(name: "SaturnNumericsTests", dependencies: ["SaturnNumerics", "SaturnTestKit"]),
        .testTarget(name: "SaturnModelTests", dependencies: ["SaturnModel", "SaturnNumerics", "SaturnTestKit"]),
        .testTarget(
            name: "SaturnCLITests",
            dependencies: [
                "SaturnCLI", "SaturnModel", "SaturnTestKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
