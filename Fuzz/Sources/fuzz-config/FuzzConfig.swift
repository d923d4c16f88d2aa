import DropboltCore
import Foundation
import FuzzSupport

/// A folder with `inbox/products` and `inbox/captions`, so rules that watch them get past the folder check and
/// on to the rest of the rule; made once per process.
private let baseFolder: String = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dropbolt-fuzz-config-\(getpid())")
    for sub in ["inbox/products", "inbox/captions"] {
        try? FileManager.default.createDirectory(
            at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
    }
    return folder.path
}()

/// A fixed environment, so the result never depends on the machine's.
private let environment = ["HOME": "/home/fuzz", "XDG_STATE_HOME": "/var/lib/fuzz"]

/// libFuzzer entry: the input, as text (invalid UTF-8 repaired), is given both to the config loader and to the
/// rule loader. Each must return a value or throw `ConfigError`, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let configuration = try DropboltConfiguration.load(
            text: text, path: baseFolder + "/dropbolt.yaml", environment: environment)
        _ = configuration.configFolder
    } catch {
        _ = error.description
    }
    do {
        _ = try Rule.load(text: text, file: baseFolder + "/rules/products.yaml", baseFolder: baseFolder)
    } catch {
        _ = error.description
    }
    return 0
}

/// The process entry: libFuzzer's driver, with ``fuzzConfig(_:_:)`` as the function under test.
@main
enum FuzzMain {
    static func main() {
        runLibFuzzer(fuzzConfig)
    }
}
