import Foundation

/// A fresh folder under the system temp directory, removed by ``remove()``.
///
/// Each test makes its own so that tests never see each other's files:
/// ```swift
/// let dir = try TemporaryDirectory()
/// defer { dir.remove() }
/// try dir.write("inbox/a.jpg", bytes: 1024)
/// ```
public struct TemporaryDirectory: Sendable {
    /// Absolute path of the folder, without a trailing slash.
    public let path: String

    /// Creates a new, empty folder named `dropbolt-<prefix>-<random>`.
    public init(prefix: String = "test") throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let name = "dropbolt-\(prefix)-\(UUID().uuidString.prefix(8))"
        let url = URL(fileURLWithPath: base).appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        self.path = url.path
    }

    /// The absolute path of `relative` inside this folder.
    public func url(_ relative: String) -> String {
        relative.isEmpty ? path : path + "/" + relative
    }

    /// Creates `relative` (and its parent folders) as a folder.
    @discardableResult
    public func makeFolder(_ relative: String) throws -> String {
        let full = url(relative)
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        return full
    }

    /// Writes `contents` to `relative`, creating parent folders.
    @discardableResult
    public func write(_ relative: String, contents: String) throws -> String {
        try write(relative, data: Data(contents.utf8))
    }

    /// Writes `data` to `relative`, creating parent folders.
    @discardableResult
    public func write(_ relative: String, data: Data) throws -> String {
        let full = url(relative)
        let parent = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
        return full
    }

    /// Writes `count` pseudo-random bytes (seeded by the path) to `relative`.
    @discardableResult
    public func write(_ relative: String, bytes count: Int) throws -> String {
        var generator = SeededGenerator(seed: UInt64(truncatingIfNeeded: relative.hashValue))
        let data = Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return try write(relative, data: data)
    }

    /// Deletes the folder and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A small deterministic random generator (SplitMix64) so test files have stable, distinct contents.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator that always yields the same sequence for `seed`.
    public init(seed: UInt64) { state = seed }

    /// Returns the next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
