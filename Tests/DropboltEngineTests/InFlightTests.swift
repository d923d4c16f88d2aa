import DropboltStore
import Foundation
import Testing

@testable import DropboltEngine

/// The dispatcher's record of jobs in flight: a job whose step failed is left alone for its pause even when the
/// store could not record the pause, so a failing job is never taken again in a tight loop.
struct InFlightTests {
    static func job(_ id: Int64, sha: String = "aa") -> JobRecord {
        JobRecord(
            id: id, rule: "captions", path: "/p/\(id).png", sha256: sha, createdAt: Date(), updatedAt: Date())
    }

    @Test func aFailedJobIsExcludedUntilItsPauseIsOverAndAFinishedOneAtOnce() {
        let inFlight = PipelineService.InFlight()
        let start = ContinuousClock.now
        let failed = Self.job(1, sha: "aa")
        let finished = Self.job(2, sha: "bb")
        #expect(inFlight.claim(failed))
        #expect(inFlight.claim(finished))
        #expect(!inFlight.claim(failed), "a job in flight is handed out once")
        #expect(inFlight.excluded(now: start) == [1, 2])

        inFlight.release(failed, coolingDown: .seconds(3), now: start)
        inFlight.release(finished, coolingDown: nil, now: start)
        #expect(inFlight.ids.isEmpty)
        #expect(inFlight.excluded(now: start + .seconds(2)) == [1])
        #expect(inFlight.excluded(now: start + .seconds(3)) == [])
        #expect(inFlight.claim(failed), "after its pause the job can be taken again")
    }
}
