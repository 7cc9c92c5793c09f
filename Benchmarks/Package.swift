// swift-tools-version:6.1
import PackageDescription

// The benchmarks live in their own package so that `make test` never builds the benchmark
// harness. Run them with `make bench` (or `swift package benchmark` in this folder).
let package = Package(
    name: "sonde-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sonde", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // What more than one benchmark needs: a loopback HTTP receiver.
        .target(name: "BenchmarkSupport", path: "Benchmarks/BenchmarkSupport"),
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SondeStore", package: "sonde"),
                .product(name: "SondeCore", package: "sonde"),
            ],
            path: "Benchmarks/StoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "CollectorBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SondeCollectors", package: "sonde"),
                .product(name: "SondeCore", package: "sonde"),
            ],
            path: "Benchmarks/CollectorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RulesBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SondeRules", package: "sonde"),
                .product(name: "SondeStore", package: "sonde"),
                .product(name: "SondeCore", package: "sonde"),
            ],
            path: "Benchmarks/RulesBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "NotifyBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SondeNotify", package: "sonde"),
                .product(name: "SondeNet", package: "sonde"),
                .product(name: "SondeCore", package: "sonde"),
                .product(name: "Logging", package: "swift-log"),
                "BenchmarkSupport",
            ],
            path: "Benchmarks/NotifyBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "APIBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SondeAPI", package: "sonde"),
                .product(name: "SondeNotify", package: "sonde"),
                .product(name: "SondeStore", package: "sonde"),
                .product(name: "SondeCore", package: "sonde"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Benchmarks/APIBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ShipBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SondeShip", package: "sonde"),
                .product(name: "SondeAWS", package: "sonde"),
                .product(name: "SondeNet", package: "sonde"),
                .product(name: "SondeStore", package: "sonde"),
                .product(name: "SondeCore", package: "sonde"),
                .product(name: "Logging", package: "swift-log"),
                "BenchmarkSupport",
            ],
            path: "Benchmarks/ShipBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
