import CLibFuzzer

#if canImport(Glibc)
    import Glibc
#endif

/// The signature of `LLVMFuzzerTestOneInput`: one input, 0 to go on.
public typealias FuzzTestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Hands the process to libFuzzer with `testOneInput` as the function under test, and exits with its status.
///
/// Why a `main` of our own instead of libFuzzer's: on Linux SwiftPM links every executable with
/// `--defsym main=<module>_main`, so an executable without a Swift entry point does not link. Each target's
/// `@main` calls this, and still exports `LLVMFuzzerTestOneInput` for tools that look for it.
public func runLibFuzzer(_ testOneInput: FuzzTestOneInput) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
}

/// Stops with `message` when a property of the code under test fails. Unlike `precondition`, the message
/// survives `-O`, so the crash report says which property broke.
public func check(_ condition: @autoclosure () -> Bool, _ message: StaticString) {
    if !condition() { fatalError("\(message)") }
}
