// swift-tools-version: 6.2
// The panda workload management system: one executable, one target per role.
// Arrows point down: the executable wires roles together, roles never import
// each other, and everything rests on PandaCore (no I/O) and the C modules.
import PackageDescription

let package = Package(
    name: "panda",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "panda", targets: ["panda"]),
        .executable(name: "panda-dispatch-bench", targets: ["DispatchBenchmark"]),
        .executable(name: "panda-pilot-bench", targets: ["PilotBenchmark"]),
        .executable(name: "panda-factory-bench", targets: ["FactoryBenchmark"]),
        .executable(name: "panda-config-bench", targets: ["ConfigBenchmark"]),
        .executable(name: "panda-monitor-bench", targets: ["MonitorBenchmark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Already in the graph through Hummingbird and PostgresNIO; named
        // because the listener and the stores import their modules directly.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // System C libraries, found through pkg-config; the providers tell
        // SwiftPM (and a newcomer) which Debian package brings each one.
        .systemLibrary(
            name: "CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CSystemd", pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]),
        // curl_easy_setopt is variadic, which Swift cannot call: a few typed
        // C functions stand in for it.
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        // posix_spawn's chdir/closefrom actions and prctl, which need _GNU_SOURCE.
        .target(name: "CProcessShim"),

        .target(name: "PandaCore"),
        .target(
            name: "PandaConfig",
            dependencies: ["PandaCore", "CYAML"]),
        .target(
            name: "PandaSystem",
            dependencies: [
                "PandaCore", "CSystemd", "CProcessShim",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "PandaClient",
            dependencies: ["PandaCore", "CCurl", "CCurlShim", "CZlib", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "PandaPilot",
            dependencies: ["PandaCore", "PandaClient", "PandaSystem", "CZlib", "CProcessShim"]),
        .target(
            name: "PandaFactory",
            dependencies: [
                "PandaCore", "PandaConfig", "PandaClient", "PandaSystem",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "PandaStore",
            dependencies: [
                "PandaCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The HTTP listener's protections, shared by the server and the monitor.
        .target(
            name: "PandaListener",
            dependencies: [
                "PandaConfig", "PandaSystem",
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "PandaServer",
            dependencies: [
                "PandaCore", "PandaConfig", "PandaStore", "PandaSystem", "PandaListener", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "PandaMonitor",
            dependencies: [
                "PandaCore", "PandaConfig", "PandaClient", "PandaSystem", "PandaListener",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "panda",
            dependencies: [
                "PandaCore", "PandaConfig", "PandaSystem", "PandaServer", "PandaPilot", "PandaFactory", "PandaClient", "PandaStore", "PandaMonitor", "PandaListener",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .testTarget(name: "PandaCoreTests", dependencies: ["PandaCore"]),
        .testTarget(
            name: "PandaConfigTests", dependencies: ["PandaConfig", "PandaCore", "TestSupport"],
            exclude: ["Fixtures"]),
        // Benchmarks: programs that print figures (docs/PERFORMANCE.md); scripts/bench-smoke
        // (in make test) runs each at a tiny size. BenchSupport is what they share:
        // a keep-alive HTTP client, starting panda's roles, tokens, options.
        .target(name: "BenchSupport", dependencies: ["PandaSystem"], path: "Benchmarks/BenchSupport"),
        .executableTarget(name: "DispatchBenchmark", dependencies: ["BenchSupport"], path: "Benchmarks/DispatchBenchmark"),
        .executableTarget(name: "PilotBenchmark", dependencies: ["BenchSupport"], path: "Benchmarks/PilotBenchmark"),
        .executableTarget(
            name: "FactoryBenchmark", dependencies: ["BenchSupport", "PandaSystem", "TestSupport"], path: "Benchmarks/FactoryBenchmark"),
        .executableTarget(name: "ConfigBenchmark", dependencies: ["BenchSupport"], path: "Benchmarks/ConfigBenchmark"),
        .executableTarget(
            name: "MonitorBenchmark", dependencies: ["BenchSupport", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/MonitorBenchmark"),

        // Helpers several test targets share: a notify socket, a server process.
        .target(name: "TestSupport", dependencies: ["PandaSystem"], path: "Tests/TestSupport"),
        .testTarget(
            name: "PandaSystemTests",
            dependencies: [
                "PandaSystem", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "CCurlShimTests", dependencies: ["CCurlShim"]),
        .testTarget(name: "PandaFactoryTests", dependencies: ["PandaFactory", "PandaConfig", "PandaCore", "TestSupport"]),
        .testTarget(
            name: "PandaStoreTests",
            dependencies: [
                "PandaStore", "PandaCore", "PandaSystem", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["panda", "PandaConfig", "PandaCore", "PandaServer", "PandaClient", "PandaSystem", "TestSupport",
                           .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")]),
    ]
)
