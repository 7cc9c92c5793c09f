// swift-tools-version:6.1
import PackageDescription

// Targets follow ../shared/ARCHITECTURE.md: one target per layer, dependencies point down only.
// Layers that are not built yet are added when they become real.
let package = Package(
    name: "sonde",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sonde", targets: ["sonde"]),
        .library(name: "SondeCore", targets: ["SondeCore"]),
        .library(name: "SondeStore", targets: ["SondeStore"]),
        .library(name: "SondeAWS", targets: ["SondeAWS"]),
        .library(name: "SondeCollectors", targets: ["SondeCollectors"]),
        .library(name: "SondeRules", targets: ["SondeRules"]),
        .library(name: "SondeNotify", targets: ["SondeNotify"]),
        .library(name: "SondeNet", targets: ["SondeNet"]),
        .library(name: "SondePostgres", targets: ["SondePostgres"]),
        .library(name: "SondeAPI", targets: ["SondeAPI"]),
        .library(name: "SondeShip", targets: ["SondeShip"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The HTTP server of the local API. Its default traits would load full Foundation and
        // swift-configuration; without them only FoundationEssentials comes, and no TLS stack.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // Named for its NIOCore product (a bound socket's address), which Hummingbird already brings.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // System libraries from Debian, found through pkg-config. TLS and crypto are the system's
        // OpenSSL, which libcurl, libpq and CCrypto share, patched by the distribution's updates.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .yum(["zlib-devel"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"]), .yum(["libcurl-devel"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"]), .yum(["systemd-devel"])]),
        .systemLibrary(name: "CPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"]), .yum(["libpq-devel"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"]), .yum(["openssl-devel"])]),

        .target(name: "SondeCore"),
        .target(
            name: "SondeStore",
            dependencies: [
                "SondeCore", "CZlib",
                .product(name: "Logging", package: "swift-log"),
            ],
            // Optimised in debug builds too: the store's tests push millions of samples through
            // the codec, the rings and recovery, which unoptimised code runs ten times slower.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        .target(
            name: "SondeNet",
            dependencies: [
                "SondeCore", "CCurl", "CZlib",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // SigV4, credentials, the query protocol and its XML, retries, a small CloudWatch client.
        .target(
            name: "SondeAWS",
            dependencies: [
                "SondeCore", "SondeNet", "CCrypto",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The CloudWatch shipper: what goes out (selection, dimensions, statistics) and, later, the
        // persisted cursor, batching and retries.
        .target(
            name: "SondeShip",
            dependencies: [
                "SondeCore", "SondeStore", "SondeAWS",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SondeCollectors",
            dependencies: [
                "SondeCore", "SondeNet", "SondeAWS", "CSystemd", "CZlib",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The PostgreSQL collector in its own target, so libpq stays out of the other collectors'
        // build and tests.
        .target(
            name: "SondePostgres",
            dependencies: [
                "SondeCore", "SondeCollectors", "CPQ", "CCrypto",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The expression language (parser and evaluator over the store), recording and alerting rules.
        .target(name: "SondeRules", dependencies: ["SondeCore", "SondeStore"]),
        // Alertmanager's configuration and behaviour: routes, grouping, inhibition, silences, the
        // notification log, receivers (webhook, Slack, SNS) and the durable outbox.
        .target(
            name: "SondeNotify",
            dependencies: [
                "SondeCore", "SondeNet", "SondeAWS", "SondeRules",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The local HTTP API: /metrics, /federate, Prometheus' /api/v1, Alertmanager's /api/v2,
        // health and the status page with its SVG charts.
        .target(
            name: "SondeAPI",
            dependencies: [
                "SondeCore", "SondeStore", "SondeRules", "SondeNotify", "SondeNet",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "SondeAgent",
            dependencies: [
                "SondeCore", "SondeStore", "SondeCollectors", "SondePostgres", "SondeNet", "SondeRules", "SondeAWS", "SondeNotify", "SondeAPI", "SondeShip",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "sonde",
            dependencies: [
                "SondeCore", "SondeStore", "SondeCollectors", "SondeRules", "SondeNotify", "SondeAgent", "SondeAPI", "SondeNet", "SondeShip", "SondeAWS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Appends synthetic data at full speed; the crash tests SIGKILL it (see its header).
        .executableTarget(name: "sonde-store-stress", dependencies: ["SondeCore", "SondeStore"]),

        // Helpers shared by the test targets (seeded RNG, loopback servers); never shipped.
        .target(name: "SondeTestSupport", dependencies: ["SondeCore"], path: "Tests/SondeTestSupport"),

        .testTarget(name: "SondeCoreTests", dependencies: ["SondeCore", "SondeTestSupport"]),
        .testTarget(
            name: "SondeStoreTests",
            dependencies: ["SondeStore", "SondeCore", "SondeTestSupport", "sonde-store-stress"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "SondeCollectorsTests",
            dependencies: ["SondeCollectors", "SondeAWS", "SondeCore", "SondeNet", "SondeTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "SondePostgresTests", dependencies: ["SondePostgres", "SondeCollectors", "SondeCore", "SondeTestSupport"]),
        .testTarget(name: "SondeAWSTests", dependencies: ["SondeAWS", "SondeCore", "SondeNet", "SondeTestSupport"]),
        .testTarget(name: "SondeNetTests", dependencies: ["SondeNet", "SondeCore", "SondeTestSupport"]),
        .testTarget(name: "SondeNotifyTests", dependencies: ["SondeNotify", "SondeCore", "SondeNet", "SondeAWS", "SondeTestSupport"]),
        .testTarget(
            name: "SondeRulesTests", dependencies: ["SondeRules", "SondeCore", "SondeStore", "SondeTestSupport"],
            // promtool test files with their recorded outcomes (scripts/promtool-corpus.sh).
            resources: [.copy("PromtoolCorpus")]),
        // Routes in process through the router, and live over loopback with SondeNet's client (not
        // HummingbirdTesting, whose AsyncHTTPClient would bring NIOSSL's BoringSSL into the build).
        .testTarget(
            name: "SondeAPITests",
            dependencies: [
                "SondeAPI", "SondeStore", "SondeRules", "SondeNotify", "SondeCore", "SondeNet", "SondeTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "SondeShipTests", dependencies: ["SondeShip", "SondeStore", "SondeAWS", "SondeNet", "SondeCore", "SondeTestSupport"]),
        .testTarget(name: "SondeAgentTests", dependencies: ["SondeAgent", "SondeStore", "SondeCollectors", "SondeCore", "SondeAWS", "SondeTestSupport"]),
        // Runs the built `sonde` binary as a user would.
        .testTarget(name: "sondeTests", dependencies: ["sonde", "SondeTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
