// swift-tools-version:6.2
import PackageDescription

// libFuzzer targets for dropbolt's parsers of outside input. Build and run them with `make fuzz` in the
// repository root (see README.md here): they only link with `-sanitize=fuzzer`, which brings libFuzzer.
let package = Package(
    name: "dropbolt-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "dropbolt", path: "..")
    ],
    targets: [
        // Declares libFuzzer's LLVMFuzzerRunDriver, which each target's `main` calls.
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        .executableTarget(
            name: "fuzz-bolt11",
            dependencies: ["FuzzSupport", .product(name: "DropboltLightning", package: "dropbolt")]
        ),
        .executableTarget(
            name: "fuzz-l402",
            dependencies: ["FuzzSupport", .product(name: "DropboltL402", package: "dropbolt")]
        ),
        .executableTarget(
            name: "fuzz-config",
            dependencies: ["FuzzSupport", .product(name: "DropboltCore", package: "dropbolt")]
        ),
        .executableTarget(
            name: "fuzz-provider",
            dependencies: ["FuzzSupport", .product(name: "DropboltSats4AI", package: "dropbolt")]
        ),
    ]
)

for target in package.targets where target.name != "CLibFuzzer" {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
