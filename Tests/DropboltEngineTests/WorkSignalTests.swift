import Testing

@testable import DropboltEngine

/// The dispatcher's wake-up: a ring is never lost, whether it comes before the wait or during it.
@Suite(.timeLimit(.minutes(1)))
struct WorkSignalTests {
    @Test func aRingBeforeTheWaitIsNotLost() async {
        let signal = WorkSignal()
        var wakeUps = signal.wakeUps()
        signal.ring()
        #expect(await wakeUps.next() != nil)
    }

    @Test func aRingFromAnotherTaskWakesTheWaiter() async {
        let signal = WorkSignal()
        let ringer = Task {
            // Rings until the waiter is through, so the test cannot pass by a ring that came before the wait.
            while !Task.isCancelled {
                signal.ring()
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        var wakeUps = signal.wakeUps()
        #expect(await wakeUps.next() != nil)
        ringer.cancel()
    }
}
