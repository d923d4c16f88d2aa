import DropboltCore
import Foundation
import Glibc

/// Reads ``BootInstant``s from the kernel.
enum BootClock {
    /// This boot's id, read once.
    private static let bootID: String? = {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else {
            return nil
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }()

    /// Now on `CLOCK_BOOTTIME`, or nil where the boot id cannot be read (then the wall clock is used).
    static func now() -> BootInstant? {
        guard let bootID else { return nil }
        var time = timespec()
        guard clock_gettime(CLOCK_BOOTTIME, &time) == 0 else { return nil }
        return BootInstant(bootID: bootID, nanoseconds: Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }
}
