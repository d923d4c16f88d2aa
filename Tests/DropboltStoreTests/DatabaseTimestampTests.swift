import Foundation
import GRDB
import Testing

@testable import DropboltStore

/// Our ICU-free date text must be exactly what GRDB writes, or comparisons with stored dates would go wrong.
struct DatabaseTimestampTests {
    @Test(arguments: [0.0, 1_496_314_658.123, 1_795_000_000.999, 1_795_000_000.0005, 4_102_444_800.5])
    func matchesGRDBsOwnText(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let queue = try DatabaseQueue()
        let grdb = try queue.read { db in try String.fetchOne(db, sql: "SELECT ?", arguments: [date]) }
        #expect(DatabaseTimestamp.string(from: date) == grdb)
        let back = try #require(DatabaseTimestamp.date(from: DatabaseTimestamp.string(from: date)))
        #expect(abs(back.timeIntervalSince1970 - seconds) <= 0.0005 + 1e-6)
    }
}
