#if canImport(Glibc)
    import CMalloc
#endif

/// Process-wide memory settings for the long-running daemon.
public enum ProcessMemory {
    /// Buffers at least this large are mapped on their own and unmapped when freed. Above 256 KB: a 100 KB image's
    /// 133 KB body becomes a 256 KB `ByteBuffer` (NIO rounds capacities to powers of two) for each send, and each
    /// was mapped, faulted in page by page and unmapped.
    static let mmapThresholdBytes: Int32 = 512 * 1024
    /// Free memory at the top of a heap is given back only beyond this. glibc's 128 KB default gave back (madvise)
    /// and faulted in again the buffers of every job.
    static let trimThresholdBytes: Int32 = 1024 * 1024

    /// Gives the free memory of every heap back to the system (`malloc_trim`): called when the daemon goes idle
    /// (its start-up scan done, or its queue drained), since while it works the heap keeps up to
    /// ``trimThresholdBytes`` free for the next job's buffers.
    public static func giveBackFreeMemory() {
        #if canImport(Glibc)
            _ = malloc_trim(0)
        #endif
    }

    /// Makes large buffers (an image, its base64, the request body) go back to the system when a job ends.
    ///
    /// glibc raises its mmap threshold each time a mapped buffer is freed (up to 32 MB), after which such
    /// buffers come from the heap and stay resident: measured, VmRSS stayed at 98 MB after one 20 MB image
    /// against 37 MB before it. A fixed threshold turns that dynamic raise off. Call once, before any work.
    /// - Returns: false when the C library refused the setting (or is not glibc).
    @discardableResult
    public static func returnLargeBuffersToTheSystem() -> Bool {
        #if canImport(Glibc)
            return mallopt(M_MMAP_THRESHOLD, mmapThresholdBytes) == 1
                && mallopt(M_TRIM_THRESHOLD, trimThresholdBytes) == 1
        #else
            return false
        #endif
    }
}
