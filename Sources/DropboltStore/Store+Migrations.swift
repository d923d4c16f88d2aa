import GRDB

extension Store {
    /// The schema history. Each step is frozen once released: change the schema by appending a new step.
    ///
    /// The lists in the CHECK constraints are literal on purpose, so that adding a case to an enum later does not
    /// silently change what "v1" means.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "files") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("path", .text).notNull().unique()
                t.column("size", .integer).notNull()
                t.column("mtime_ns", .integer).notNull()
                // The inode's bit pattern as a signed 64-bit integer (SQLite has no unsigned type).
                t.column("inode", .integer).notNull()
                t.column("sha256", .text)
                t.column("first_seen", .datetime).notNull()
                t.column("last_seen", .datetime).notNull()
                t.column("predates_rules", .boolean).notNull().defaults(to: false)
            }

            try db.create(table: "jobs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("rule", .text).notNull()
                t.column("path", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("state", .text).notNull()
                    .check(
                        sql: """
                            state IN ('queued', 'invoiced', 'paying', 'paid', 'fetched', 'done', 'held', 'failed', \
                            'attention')
                            """)
                t.column("reason", .text)
                t.column("not_before", .datetime)
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
                t.column("request_path", .text)
                t.column("request_sha256", .text)
                t.column("payment_hash", .text)
                t.column("invoice", .text)
                t.column("amount_msat", .integer)
                t.column("fee_msat", .integer)
                t.column("credential", .text)
                t.column("result_path", .text)
                t.column("output_path", .text)
                t.column("refund_url", .text)
                t.uniqueKey(["rule", "path", "sha256"])
            }
            try db.create(index: "jobs_on_state", on: "jobs", columns: ["state"])
            try db.create(index: "jobs_on_payment_hash", on: "jobs", columns: ["payment_hash"])

            try db.create(table: "outputs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("job_id", .integer).notNull().references("jobs")
                t.column("original_path", .text).notNull()
                t.column("output_path", .text).notNull().unique()
                t.column("sha256", .text).notNull()
                t.column("size", .integer).notNull()
                t.column("created_at", .datetime).notNull()
            }
            try db.create(index: "outputs_on_job_id", on: "outputs", columns: ["job_id"])
            try db.create(index: "outputs_on_original_path", on: "outputs", columns: ["original_path"])

            try db.create(table: "payments") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("job_id", .integer).notNull().references("jobs")
                t.column("payment_hash", .text).notNull().unique()
                t.column("invoice", .text).notNull()
                t.column("amount_msat", .integer).notNull().check(sql: "amount_msat > 0")
                t.column("fee_msat", .integer)
                t.column("status", .text).notNull().check(sql: "status IN ('pending', 'succeeded', 'failed')")
                t.column("preimage", .text)
                t.column("created_at", .datetime).notNull()
                t.column("settled_at", .datetime)
            }
            try db.create(index: "payments_on_job_id", on: "payments", columns: ["job_id"])

            try db.create(table: "ledger") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("job_id", .integer).notNull().references("jobs")
                t.column("payment_id", .integer).references("payments")
                t.column("rule", .text).notNull()
                t.column("kind", .text).notNull().check(sql: "kind IN ('reserve', 'release', 'spend', 'fee')")
                // The kind gives the direction, so amounts are never negative.
                t.column("amount_msat", .integer).notNull().check(sql: "amount_msat >= 0")
                t.column("created_at", .datetime).notNull()
            }
            try db.create(index: "ledger_on_created_at", on: "ledger", columns: ["created_at"])
            try db.create(index: "ledger_on_rule", on: "ledger", columns: ["rule"])
            try db.create(index: "ledger_on_job_id", on: "ledger", columns: ["job_id"])
            try db.create(index: "ledger_on_payment_id", on: "ledger", columns: ["payment_id"])

            try db.create(table: "rule_baselines") { t in
                t.primaryKey("rule", .text)
                t.column("since", .datetime).notNull()
            }
        }
        migrator.registerMigration("v2") { db in
            // What each watched folder looked like at the last complete reconcile: an unchanged folder (same mtime
            // and inode, quiet when listed, nothing left settling) need not be listed or stat'ed again at start-up.
            try db.create(table: "folder_stamps") { t in
                t.primaryKey("path", .text)
                t.column("parent", .text)
                t.column("mtime_ns", .integer).notNull()
                t.column("inode", .integer).notNull()
                t.column("skippable", .boolean).notNull()
            }
            try db.create(table: "settings") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        migrator.registerMigration("v3") { db in
            // Typed reasons (matched by code, never by text) and the count of paid requests sent (a 401 after one
            // was sent means the provider took the token on a request whose answer was lost).
            try db.alter(table: "jobs") { t in
                t.add(column: "reason_code", .text)
                t.add(column: "paid_requests", .integer).notNull().defaults(to: 0)
            }
            try db.execute(sql: "UPDATE jobs SET reason_code = 'quote_only' WHERE reason LIKE 'quote-only%'")
        }
        migrator.registerMigration("v4") { db in
            // The boot clock at `paying`: the "not found" grace must not end early when the wall clock jumps.
            try db.alter(table: "payments") { t in
                t.add(column: "boot_id", .text)
                t.add(column: "boot_ns", .integer)
                // Which wallet the payment was committed to: another wallet's "not found" proves nothing.
                t.add(column: "wallet", .text)
            }
        }
        migrator.registerMigration("v5") { db in
            // `dropbolt scan`: each run is a row; the jobs it queued (or adopted, still unfinished) carry its id, so
            // its progress and spend can be followed and a pipeline can work on its jobs only.
            try db.create(table: "scans") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("paths", .text).notNull()
                t.column("rule", .text)
                t.column("max_msat", .integer)
                t.column("estimate_msat", .integer)
                t.column("created_at", .datetime).notNull()
            }
            try db.alter(table: "jobs") { t in
                t.add(column: "scan_id", .integer).references("scans")
            }
            try db.create(index: "jobs_on_scan_id", on: "jobs", columns: ["scan_id"])
        }
        migrator.registerMigration("v6") { db in
            // A rule whose payment cost more in fees than wallet.max_fee_sats pays nothing more until released.
            try db.create(table: "rule_holds") { t in
                t.primaryKey("rule", .text)
                t.column("reason_code", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("payment_hash", .text)
                t.column("created_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v7") { db in
            // The reservations still live, one row per reserve not yet released: budget checks sum this small
            // table instead of every reserve and release row the ledger ever held (two full scans per payment:
            // ~40 ms at 100,000 jobs, inside the paying transaction). The ledger stays the record; this follows it
            // in the same transactions.
            try db.create(table: "reservations") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("job_id", .integer).notNull().references("jobs")
                t.column("rule", .text).notNull()
                t.column("amount_msat", .integer).notNull().check(sql: "amount_msat > 0")
            }
            try db.create(index: "reservations_on_job_id", on: "reservations", columns: ["job_id"])
            try db.execute(
                sql: """
                    INSERT INTO reservations (job_id, rule, amount_msat)
                    SELECT job_id, rule, SUM(CASE kind WHEN 'reserve' THEN amount_msat ELSE -amount_msat END) AS live
                    FROM ledger WHERE kind IN ('reserve', 'release') GROUP BY job_id, rule HAVING live > 0
                    """)
        }
        migrator.registerMigration("v8") { db in
            // Budget checks sum spend and fees since the local day's and month's start, three times per payment
            // inside the paying transaction. Through these partial indexes the sums read only spend and fee
            // entries, from the index alone: measured with sqlite3 at 100,000 jobs in the window, 27 -> 5 ms for
            // all rules and 17 -> 2 ms for one.
            try db.execute(
                sql: """
                    CREATE INDEX ledger_spend_by_time ON ledger(created_at, amount_msat)
                    WHERE kind IN ('spend', 'fee')
                    """)
            try db.execute(
                sql: """
                    CREATE INDEX ledger_spend_by_rule ON ledger(rule, created_at, amount_msat)
                    WHERE kind IN ('spend', 'fee')
                    """)
        }
        migrator.registerMigration("v9") { db in
            // Running totals of spend and fees per quarter-hour (UTC), for all rules and per rule: a payment's three
            // budget sums read at most a window's quarter-hours (96 a day, ~3,000 a month) instead of every payment
            // in the window (12 ms per payment at 100,000 jobs a day through the v8 indexes). A trigger keeps them,
            // in the statement that inserts the ledger row, so no writer can let them drift from the ledger, which
            // stays the record. A quarter is floor(seconds since 1970 / 900), as SpendQuarter.containing computes it.
            func quarter(of column: String) -> String {
                """
                ((CAST(strftime('%s', \(column)) AS INTEGER)
                  - ((CAST(strftime('%s', \(column)) AS INTEGER) % 900) + 900) % 900) / 900)
                """
            }
            try db.execute(
                sql: """
                    CREATE TABLE spend_by_quarter (
                        quarter INTEGER PRIMARY KEY, amount_msat INTEGER NOT NULL);
                    CREATE TABLE rule_spend_by_quarter (
                        rule TEXT NOT NULL, quarter INTEGER NOT NULL, amount_msat INTEGER NOT NULL,
                        PRIMARY KEY (rule, quarter)) WITHOUT ROWID;
                    INSERT INTO spend_by_quarter (quarter, amount_msat)
                    SELECT \(quarter(of: "created_at")) AS q, SUM(amount_msat) FROM ledger
                    WHERE kind IN ('spend', 'fee') GROUP BY q;
                    INSERT INTO rule_spend_by_quarter (rule, quarter, amount_msat)
                    SELECT rule, \(quarter(of: "created_at")) AS q, SUM(amount_msat) FROM ledger
                    WHERE kind IN ('spend', 'fee') GROUP BY rule, q;
                    CREATE TRIGGER ledger_spend_totals AFTER INSERT ON ledger WHEN NEW.kind IN ('spend', 'fee')
                    BEGIN
                        INSERT INTO spend_by_quarter (quarter, amount_msat)
                        VALUES (\(quarter(of: "NEW.created_at")), NEW.amount_msat)
                        ON CONFLICT(quarter) DO UPDATE SET amount_msat = amount_msat + excluded.amount_msat;
                        INSERT INTO rule_spend_by_quarter (rule, quarter, amount_msat)
                        VALUES (NEW.rule, \(quarter(of: "NEW.created_at")), NEW.amount_msat)
                        ON CONFLICT(rule, quarter) DO UPDATE SET amount_msat = amount_msat + excluded.amount_msat;
                    END;
                    """)
        }
        migrator.registerMigration("v10") { db in
            // `on_duplicate` looks for a finished job of the same content under the same rule before every first
            // request. No index led there by content: SQLite walked every `done` job (15 ms a job at 100,000 done,
            // and growing with the history). Jobs are inserted once and these columns never change, so the index costs
            // one entry per job.
            try db.execute(sql: "CREATE INDEX jobs_on_rule_sha256 ON jobs(rule, sha256)")
        }
        migrator.registerMigration("v11") { db in
            // The dispatcher asks for runnable jobs whenever a worker frees up and every second. Through the index on
            // state, SQLite read every waiting job's row to check its `not_before`: 12-22 ms a query with 100,000
            // jobs held for later (quote-only, or a spent budget), ~2% of a core at idle. This index holds only the
            // jobs a worker may take, by `not_before` then id: jobs with no wait (NULL) come in id order, jobs due by
            // now in the order they came due, each range read only as far as the limit (Store.runnableJobsSQL).
            try db.execute(
                sql: """
                    CREATE INDEX jobs_runnable ON jobs(not_before, id)
                    WHERE state IN ('queued', 'held', 'invoiced', 'paying', 'paid', 'fetched')
                    """)
        }
        return migrator
    }
}
