// swift-tools-version:6.0
// libFuzzer harnesses for every decoder of Saturn (one binary; SATURN_FUZZ_TARGET picks the harness).
// Built and run by ops/fuzz.sh; a package of its own so that the main build never links a fuzzer entry point.
import PackageDescription

let package = Package(
    name: "SaturnFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Saturn", path: "../.."),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        .executableTarget(
            name: "SaturnFuzz",
            dependencies: [
                .product(name: "SaturnWire", package: "Saturn"),
                .product(name: "SaturnModel", package: "Saturn"),
                .product(name: "SaturnAgent", package: "Saturn"),
                .product(name: "SaturnSimulator", package: "Saturn"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        )
    ]
)
