// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "dropbolt",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dropbolt", targets: ["dropbolt"]),
        // The parsers, for the fuzz targets in Fuzz/ (a package of its own; see Fuzz/README.md).
        .library(name: "DropboltCore", targets: ["DropboltCore"]),
        .library(name: "DropboltLightning", targets: ["DropboltLightning"]),
        .library(name: "DropboltL402", targets: ["DropboltL402"]),
        .library(name: "DropboltSats4AI", targets: ["DropboltSats4AI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.5.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Nostr Wallet Connect talks to relays over WebSocket (client in DropboltNostr, fake relay in the tests).
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CInotifyTools",
            pkgConfig: nil,
            providers: [.apt(["libinotifytools0-dev"])]
        ),
        // glibc's <malloc.h>: mallopt, to hand large buffers back to the system (see ProcessMemory).
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(
            name: "CSecp256k1",
            pkgConfig: nil,
            providers: [.apt(["libsecp256k1-dev"])]
        ),
        .target(
            name: "DropboltCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "DropboltWatch",
            dependencies: [
                "DropboltCore", "CInotifyTools",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // One HTTP exchange under one deadline and a size cap, and whether a failed request could have arrived:
        // shared by the wallet backends and the provider client.
        .target(
            name: "DropboltHTTP",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "DropboltLightning",
            dependencies: [
                "DropboltCore", "DropboltHTTP", "CSecp256k1",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Nostr Wallet Connect (NIP-47): BIP-340 keys and signatures, NIP-44/NIP-04 encryption, NIP-01 events,
        // a relay client over WebSocket, and the `nwc` wallet backend.
        .target(
            name: "DropboltNostr",
            dependencies: [
                "DropboltCore", "DropboltLightning", "CSecp256k1",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "DropboltL402",
            dependencies: ["DropboltCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "DropboltSats4AI",
            dependencies: [
                "DropboltCore", "DropboltHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "DropboltStore",
            dependencies: ["DropboltCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "DropboltEngine",
            dependencies: [
                "DropboltCore", "DropboltWatch", "DropboltStore", "DropboltLightning", "DropboltL402",
                "DropboltSats4AI", "DropboltNostr",
                "CMalloc",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "dropbolt",
            dependencies: [
                "DropboltCore", "DropboltEngine", "DropboltStore", "DropboltSats4AI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The release daemon links with the toolchain's lld and packed relative relocations (DT_RELR, glibc
            // 2.36+): gold's 52,000 RELATIVE entries took 1.6 MB that the loader reads at every start and that then
            // stayed resident, and lld keeps read-only data out of the code pages. Idle RSS 39.2/40.0 -> 36.0/36.8 MB
            // (quote-only/wallet, four alternating starts); see the Makefile's `release`.
            linkerSettings: [
                .unsafeFlags(
                    ["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
                    .when(configuration: .release))
            ]
        ),
        .executableTarget(
            name: "dropbolt-fakes",
            dependencies: [
                "DropboltTesting", .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "DropboltTesting",
            dependencies: [
                "CSecp256k1",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "DropboltCoreTests",
            dependencies: ["DropboltCore", "DropboltTesting", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "DropboltWatchTests",
            dependencies: [
                "DropboltWatch", "DropboltCore", "DropboltTesting",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "DropboltLightningTests",
            dependencies: [
                "DropboltLightning", "DropboltCore", "DropboltTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "DropboltNostrTests",
            dependencies: [
                "DropboltNostr", "DropboltLightning", "DropboltCore", "DropboltTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/nip44.json"), .copy("Resources/bip340-test-vectors.csv")]
        ),
        .testTarget(
            name: "DropboltL402Tests",
            dependencies: ["DropboltL402"]
        ),
        .testTarget(
            name: "DropboltSats4AITests",
            dependencies: ["DropboltSats4AI"]
        ),
        .testTarget(
            name: "DropboltStoreTests",
            dependencies: [
                "DropboltStore", "DropboltCore", "DropboltTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "DropboltEngineTests",
            dependencies: [
                "DropboltEngine", "DropboltStore", "DropboltWatch", "DropboltCore", "DropboltTesting",
                "DropboltLightning", "DropboltL402", "DropboltSats4AI", "DropboltNostr",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
