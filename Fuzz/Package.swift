// swift-tools-version:6.1
import PackageDescription

// libFuzzer harnesses for sonde's parsers of untrusted input. A separate package so the main build
// never sees -sanitize=fuzzer; it depends on the main package by path, so the harnesses exercise the
// real code. Build and run with `Fuzz/run.sh` (see Fuzz/README.md), never with a plain `swift build`:
// the harnesses have no `main`, libFuzzer provides it at link time.
let harnesses = ["openmetrics", "selector", "scalars", "sealedchunk", "headchunk", "records", "gunicornlog", "logcheckpoint", "promql", "alerttemplate", "cloudwatchxml", "rulefiles", "alertmanager", "notifytemplate", "apirequest"]

let package = Package(
    name: "sonde-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sonde", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: harnesses.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [
                .product(name: "SondeStore", package: "sonde"),
                .product(name: "SondeCore", package: "sonde"),
                .product(name: "SondeCollectors", package: "sonde"),
                .product(name: "SondeRules", package: "sonde"),
                .product(name: "SondeAWS", package: "sonde"),
                .product(name: "SondeNotify", package: "sonde"),
                .product(name: "SondeAPI", package: "sonde"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                "FuzzDriver", "FuzzSupport",
            ],
            path: "Sources/\(name)"
        )
    } + [
        // Hands `main` over to libFuzzer (see its header).
        .target(name: "FuzzDriver"),
        .target(name: "FuzzSupport"),
        // Writes the binary seed corpora with the real encoders (Fuzz/gen-seeds.sh runs it). It has
        // its own `main`; built with the same flags, it still runs normally.
        .executableTarget(
            name: "fuzz-seeds",
            dependencies: [
                .product(name: "SondeStore", package: "sonde"),
                .product(name: "SondeCore", package: "sonde"),
            ],
            path: "Sources/seeds"
        ),
    ],
    swiftLanguageModes: [.v6]
)
