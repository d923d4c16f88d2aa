import DropboltCore
import DropboltTesting
import Foundation
import GRDB
import Testing

@testable import DropboltStore

/// Our ICU-free date text must be exactly what GRDB writes, or comparisons with stored dates would go wrong.
struct DatabaseTimestampTests {
    @Test(arguments: [0.0, 1_496_314_658.123, 1_795_000_000.999, 1_795_000_000.0005, 4_102_444_800.5, -1.5, -0.0004])
    func matchesGRDBsOwnText(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let queue = try DatabaseQueue()
        let grdb = try queue.read { db in try String.fetchOne(db, sql: "SELECT ?", arguments: [date]) }
        #expect(DatabaseTimestamp.string(from: date) == grdb)
        let back = try #require(DatabaseTimestamp.date(from: DatabaseTimestamp.string(from: date)))
        #expect(abs(back.timeIntervalSince1970 - seconds) <= 0.0005 + 1e-6)
    }
}

/// What the parser accepts: GRDB's text with or without milliseconds, `T` or a space between date and time.
struct DatabaseTimestampParsingTests {
    @Test(arguments: [
        ("2026-11-18 11:08:43.457", 1_795_000_123.457), ("2026-11-18T11:08:43", 1_795_000_123.0),
        ("2026-11-18 11:08:43.5", 1_795_000_123.5), ("1970-01-01 00:00:00.000", 0.0),
        ("2026-11-18 11:08:43.000457", 1_795_000_123.000457),
    ])
    func readsTheTextsGRDBAndEarlierVersionsWrote(text: String, seconds: Double) throws {
        let date = try #require(DatabaseTimestamp.date(from: text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 1e-6, "\(text)")
    }

    @Test(arguments: [
        "", "yesterday", "2026-11-18", "2026-11-18 11:08", "2026-11-18 11:08:43.457 9", "2026-11-18 11:08:43Z",
        "99999999999-11-18 11:08:43",
    ])
    func refusesAnythingElse(text: String) {
        #expect(DatabaseTimestamp.date(from: text) == nil, "\(text)")
    }
}

/// Records and SQL arguments store GRDB's own date text, and read back what GRDB (or an earlier dropbolt) wrote.
struct StoredDatesTests {
    /// A date with milliseconds, so a wrong rounding or format would show.
    private let instant = Date(timeIntervalSince1970: 1_795_000_123.457)

    @Test func recordsWriteTheTextGRDBWould() async throws {
        let dir = try TemporaryDirectory(prefix: "dates")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let created = try await store.recordIntake([.fixture(1)], at: instant)
        let jobID = try #require(created.first?.id)
        try await store.deferJob(
            jobID: jobID, in: .queued, until: instant.addingTimeInterval(60), reason: JobReason(.internalError, "test"),
            at: instant)
        try store.close()

        let queue = try DatabaseQueue(path: "\(dir.path)/\(Store.databaseFileName)")
        let (stored, expected) = try await queue.read { db in
            let stored = try Row.fetchOne(
                db, sql: "SELECT created_at, updated_at, not_before FROM jobs WHERE id = ?", arguments: [jobID])
            let expected = try Row.fetchOne(
                db, sql: "SELECT ?, ?, ?", arguments: [instant, instant, instant.addingTimeInterval(60)])
            return (stored, expected)
        }
        let storedTexts = Array(try #require(stored).databaseValues.map { String.fromDatabaseValue($0) })
        let expectedTexts = Array(try #require(expected).databaseValues.map { String.fromDatabaseValue($0) })
        #expect(storedTexts == expectedTexts)
        #expect(storedTexts.first == "2026-11-18 11:08:43.457")
    }

    @Test func recordsReadDatesGRDBWrote() async throws {
        let dir = try TemporaryDirectory(prefix: "dates")
        defer { dir.remove() }
        var store = try Store.open(stateFolder: dir.path)
        let jobID = try #require(try await store.recordIntake([.fixture(1)], at: testDate()).first?.id)
        try store.close()
        // Written the way GRDB binds a Date (its DateFormatter), as versions before this one did.
        let queue = try DatabaseQueue(path: "\(dir.path)/\(Store.databaseFileName)")
        try await queue.write { db in
            try db.execute(
                sql: "UPDATE jobs SET created_at = ?, not_before = ? WHERE id = ?",
                arguments: [instant, instant, jobID])
        }
        try queue.close()

        store = try Store.open(stateFolder: dir.path)
        let job = try #require(try await store.jobs(in: nil, limit: 1).first)
        #expect(abs(job.createdAt.timeIntervalSince(instant)) < 0.0005)
        #expect(abs(try #require(job.notBefore).timeIntervalSince(instant)) < 0.0005)
        #expect(job.updatedAt == testDate())
        let history = try #require(try await store.history(rule: nil, since: nil, states: nil, limit: 1).first)
        #expect(abs(history.createdAt.timeIntervalSince(instant)) < 0.0005)
        try store.close()
    }

    @Test(arguments: ["", "2026-11-17", "2026-11-17 06:48", "yesterday", "2026-11-17 06:48:43.457.1"])
    func textThatIsNotADateIsRefused(text: String) {
        #expect(DatabaseTimestamp.date(from: text) == nil)
    }

    @Test func isoSeparatorIsAccepted() throws {
        let date = try #require(DatabaseTimestamp.date(from: "2026-11-18T11:08:43.457"))
        #expect(abs(date.timeIntervalSince(instant)) < 0.0005)
    }
}
