import Testing

@testable import DropboltEngine

/// The daemon's malloc setting must take: without it a 20 MB image leaves ~60 MB resident after its job.
@Suite struct ProcessMemoryTests {
    @Test func glibcAcceptsTheFixedMmapThreshold() {
        #if canImport(Glibc)
            #expect(ProcessMemory.returnLargeBuffersToTheSystem())
        #else
            #expect(!ProcessMemory.returnLargeBuffersToTheSystem())
        #endif
    }
}
