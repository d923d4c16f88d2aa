import DropboltCore
import DropboltStore
import DropboltTesting
import Foundation
import GRDB
import Testing

@Suite("Schema constraints and records")
struct StoreSchemaTests {
    @Test("the state CHECK rejects an unknown state")
    func stateCheck() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)

        let error = await #expect(throws: DatabaseError.self) {
            try await store.writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO jobs (rule, path, sha256, state, created_at, updated_at)
                        VALUES ('r', '/a.jpg', 'ff', 'exploded', '2026-01-01', '2026-01-01')
                        """)
            }
        }
        #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
        // Every real state passes the same CHECK.
        try await store.writer.write { db in
            for (number, state) in JobState.allCases.enumerated() {
                var job = JobRecord(
                    rule: "r", path: "/\(number).jpg", sha256: "ff", state: state, createdAt: testDate(),
                    updatedAt: testDate())
                try job.insert(db)
            }
        }
        #expect(try await store.jobCounts().values.allSatisfy { $0 == 1 })
    }

    @Test("UNIQUE(rule, path, sha256) holds; other rules and contents are separate jobs")
    func jobIdentity() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        @Sendable func job(_ rule: String, _ sha256: String) -> JobRecord {
            JobRecord(rule: rule, path: "/a.jpg", sha256: sha256, createdAt: testDate(), updatedAt: testDate())
        }
        try await store.writer.write { db in
            var first = job("r", "aa")
            try first.insert(db)
            var otherRule = job("s", "aa")
            try otherRule.insert(db)
            var otherContent = job("r", "bb")
            try otherContent.insert(db)
        }

        let error = await #expect(throws: DatabaseError.self) {
            try await store.writer.write { db in
                var duplicate = job("r", "aa")
                duplicate.state = .failed
                try duplicate.insert(db)
            }
        }
        #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE)
        #expect(try await store.jobCount() == 3)
    }

    @Test("foreign keys, payment-hash uniqueness and the ledger CHECKs are enforced")
    func moneyConstraints() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let job = try #require(try await store.recordIntake([.fixture(1)], at: testDate()).first)
        let jobID = try #require(job.id)

        let orphan = await #expect(throws: DatabaseError.self) {
            try await store.writer.write { db in
                var output = OutputRecord(
                    jobID: jobID + 100, originalPath: "/a.jpg", outputPath: "/a.edited.jpg", sha256: "cc", size: 1,
                    createdAt: testDate())
                try output.insert(db)
            }
        }
        #expect(orphan?.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY)

        let paymentHash = String(repeating: "1f", count: 32)
        try await store.writer.write { db in
            var payment = PaymentRecord(
                jobID: jobID, paymentHash: paymentHash, invoice: "lnbc1...", amountMsat: 21_000, createdAt: testDate())
            try payment.insert(db)
        }
        let twice = await #expect(throws: DatabaseError.self) {
            try await store.writer.write { db in
                var again = PaymentRecord(
                    jobID: jobID, paymentHash: paymentHash, invoice: "lnbc1...", amountMsat: 21_000,
                    createdAt: testDate())
                try again.insert(db)
            }
        }
        #expect(twice?.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE)

        let negative = await #expect(throws: DatabaseError.self) {
            try await store.writer.write { db in
                var entry = LedgerEntry(jobID: jobID, rule: "edit", kind: .spend, amountMsat: -1, createdAt: testDate())
                try entry.insert(db)
            }
        }
        #expect(negative?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)

        let badKind = await #expect(throws: DatabaseError.self) {
            try await store.writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO ledger (job_id, rule, kind, amount_msat, created_at)
                        VALUES (?, 'r', 'gift', 1, ?)
                        """,
                    arguments: [jobID, testDate()])
            }
        }
        #expect(badKind?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
    }

    @Test("a job row with a date that is not one is an error, not a crash or a wrong date")
    func aMalformedJobDateThrows() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let jobID = try await store.writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO jobs (rule, path, sha256, state, attempts, created_at, updated_at)
                    VALUES ('r', '/p/x.png', 'aa', 'queued', 0, 'yesterday', ?)
                    """,
                arguments: [testDate()])
            return db.lastInsertedRowID
        }
        await #expect(throws: (any Error).self) { try await store.job(id: jobID) }
        try await store.writer.write { db in
            try db.execute(sql: "UPDATE jobs SET created_at = ? WHERE id = ?", arguments: [testDate(), jobID])
        }
        let job = try #require(try await store.job(id: jobID))
        #expect(job.createdAt == testDate())
    }

    @Test("every record round-trips through its table")
    func recordsRoundTrip() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)

        let (job, output, payment, entries, baseline) = try await store.writer.write { db in
            var job = JobRecord(
                rule: "products", path: "/p/a.jpg", sha256: "aa", state: .paying, reason: "budget",
                notBefore: testDate(9),
                attempts: 2, createdAt: testDate(), updatedAt: testDate(5), requestPath: "/spool/1.json",
                requestSHA256: "bb", paymentHash: "cc", invoice: "lnbc210n1...", amountMsat: 21_000, feeMsat: 3_000,
                credential: "macaroon", resultPath: "/spool/1.result", outputPath: "/p/a.nobg.png",
                refundURL: "https://sats4ai.com/refund/1", reasonCode: .rateLimited, paidRequests: 3)
            try job.insert(db)
            let jobID = try #require(job.id)
            var payment = PaymentRecord(
                jobID: jobID, paymentHash: "cc", invoice: "lnbc210n1...", amountMsat: 21_000, feeMsat: 3_000,
                status: .succeeded, preimage: "dd", createdAt: testDate(6), settledAt: testDate(7))
            try payment.insert(db)
            var output = OutputRecord(
                jobID: jobID, originalPath: "/p/a.jpg", outputPath: "/p/a.nobg.png", sha256: "ee", size: 1234,
                createdAt: testDate(8))
            try output.insert(db)
            var entries = [
                LedgerEntry(jobID: jobID, rule: "products", kind: .reserve, amountMsat: 31_000, createdAt: testDate(6)),
                LedgerEntry(
                    jobID: jobID, paymentID: payment.id, rule: "products", kind: .spend, amountMsat: 21_000,
                    createdAt: testDate(7)),
            ]
            for index in entries.indices { try entries[index].insert(db) }
            let baseline = RuleBaseline(rule: "products", since: testDate(-86_400))
            try baseline.insert(db)
            return (job, output, payment, entries, baseline)
        }

        let fetched = try await store.reader.read { db in
            (
                try JobRecord.fetchOne(db, key: job.id), try OutputRecord.fetchOne(db, key: output.id),
                try PaymentRecord.fetchOne(db, key: payment.id),
                try LedgerEntry.order(LedgerEntry.Columns.id).fetchAll(db),
                try RuleBaseline.fetchOne(db, key: "products")
            )
        }
        #expect(fetched.0 == job)
        #expect(fetched.1 == output)
        #expect(fetched.2 == payment)
        #expect(fetched.3 == entries)
        #expect(fetched.4 == baseline)
        #expect([job.id, output.id, payment.id].allSatisfy { $0 != nil })
    }
}
