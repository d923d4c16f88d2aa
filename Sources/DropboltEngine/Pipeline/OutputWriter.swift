import DropboltStore
import Foundation
import Glibc

/// Puts a paid result beside its original without ever overwriting a file the user made (DESIGN §5 rule 6).
///
/// The write is idempotent: the same content already at the target counts as done, an output dropbolt itself
/// wrote for the same original is replaced, and any other file gets a sibling name (`name-1.ext`, `name-2.ext`, …).
struct OutputWriter {
    let store: Store

    /// Writes `bytes` at `target` or a free sibling, and returns the path used.
    func write(_ bytes: [UInt8], target: String, originalPath: String) async throws -> String {
        var candidate = target
        var counter = 0
        var races = 0
        while counter < 1000 && races < 100 {
            if FileManager.default.fileExists(atPath: candidate) {
                if DurableFile.read(candidate) == bytes { return candidate }
                if let recorded = try await store.output(at: candidate), recorded.originalPath == originalPath {
                    try DurableFile.write(bytes, to: candidate, replace: true)
                    return candidate
                }
            } else {
                do {
                    try DurableFile.write(bytes, to: candidate, replace: false)
                    return candidate
                } catch let error as DurableFile.WriteError where error.alreadyExists {
                    // Someone created it just now: look at it again (bounded, in case it keeps coming and going).
                    races += 1
                    continue
                }
            }
            counter += 1
            candidate = Self.sibling(of: target, number: counter)
        }
        throw DurableFile.WriteError(path: target, operation: "find a free name near", errnoValue: EEXIST)
    }

    /// `/a/photo.nobg.png` → `/a/photo.nobg-2.png`.
    static func sibling(of path: String, number: Int) -> String {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let stem = url.deletingPathExtension().lastPathComponent
        let folder = url.deletingLastPathComponent().path
        return folder + "/" + stem + "-\(number)" + (ext.isEmpty ? "" : "." + ext)
    }
}
