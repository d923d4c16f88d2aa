// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "dropbolt",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dropbolt", targets: ["dropbolt"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CInotifyTools",
            pkgConfig: nil,
            providers: [.apt(["libinotifytools0-dev"])]
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
        .target(
            name: "DropboltStore",
            dependencies: ["DropboltCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "DropboltEngine",
            dependencies: [
                "DropboltCore", "DropboltWatch", "DropboltStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "dropbolt",
            dependencies: [
                "DropboltCore", "DropboltEngine", "DropboltStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "DropboltTesting",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "DropboltCoreTests",
            dependencies: ["DropboltCore", "DropboltTesting"]
        ),
        .testTarget(
            name: "DropboltWatchTests",
            dependencies: [
                "DropboltWatch", "DropboltCore", "DropboltTesting",
                .product(name: "Logging", package: "swift-log"),
            ]
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
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
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
