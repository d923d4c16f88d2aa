/// A reading of the kernel's boot-time clock (`CLOCK_BOOTTIME`) with the boot it belongs to: it never jumps when
/// the wall clock is set, and counts suspended time too. Stored with a payment so that "how long ago did we commit
/// to paying" survives a wall-clock jump and a restart of the daemon.
public struct BootInstant: Sendable, Equatable {
    /// `/proc/sys/kernel/random/boot_id`: a new value at every boot.
    public var bootID: String
    /// Nanoseconds since that boot.
    public var nanoseconds: Int64

    /// Creates an instant.
    public init(bootID: String, nanoseconds: Int64) {
        self.bootID = bootID
        self.nanoseconds = nanoseconds
    }

    /// Seconds from `earlier` to `self`. Within one boot, the exact difference. Across a reboot, the time since
    /// this boot: a lower bound (the earlier instant was before the boot), so a grace period is never cut short.
    public func seconds(since earlier: BootInstant) -> Double {
        let nanoseconds = bootID == earlier.bootID ? max(0, self.nanoseconds - earlier.nanoseconds) : self.nanoseconds
        return Double(nanoseconds) / 1e9
    }
}
