import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltStore
import DropboltTesting
import Foundation
import Logging
import Testing

@testable import DropboltEngine

/// After payment: rate limits and server errors are retried with the same credential, refunds are kept,
/// duplicates are reused, users' files are never overwritten, and no secret reaches a log line.
@Suite(.serialized)
struct PaidPathRecoveryTests {
    @Test func rateLimitAndServerErrorsAfterPaymentAreRetriedWithTheSameCredential() async throws {
        try await PaidPathTests.withWorld { world in
            let harness = world.harness
            try await harness.withDaemon(wallet: world.wallet) { _ in
                world.provider.failPaidRequests(.rateLimited(retryAfterSeconds: 1), times: 1)
                world.provider.failPaidRequests(.status(503), times: 1)
                let path = try PaidPathTests.dropImage(harness, "inbox/products/retry.png")
                try await harness.waitForJob(path, state: .done)
            }
            #expect(try await world.outgoingPayments().count == 1)
            #expect(world.provider.challengesIssued == 1)
            #expect(world.provider.violations.isEmpty, "\(world.provider.violations)")
            let paidAttempts = world.provider.received.filter(\.hadAuthorization).map(\.status)
            #expect(paidAttempts == [429, 503, 200])
        }
    }

    @Test func aResultGivenOnlyAsAURLIsDownloadedAtOnce() async throws {
        try await PaidPathTests.withWorld { world in
            let harness = world.harness
            world.provider.answerWithURLsOnly()
            try await harness.withDaemon(wallet: world.wallet) { _ in
                let path = try PaidPathTests.dropImage(harness, "inbox/products/url.png")
                let job = try await harness.waitForJob(path, state: .done)
                let output = try #require(job.outputPath)
                let saved = try #require(FileManager.default.contents(atPath: output))
                #expect(TestPNG.decode([UInt8](saved)) != nil)
            }
            #expect(try await world.outgoingPayments().count == 1)
        }
    }

    @Test func anUpstreamFailureAfterPaymentKeepsTheRefundLink() async throws {
        try await PaidPathTests.withWorld { world in
            let harness = world.harness
            try await harness.withDaemon(wallet: world.wallet) { _ in
                world.provider.failPaidRequests(.upstreamFailedWithRefund, times: 1)
                let path = try PaidPathTests.dropImage(harness, "inbox/products/refund.png")
                let job = try await harness.waitForJob(path, state: .attention)
                #expect(job.refundURL?.hasPrefix("lnurl") == true, "\(job.refundURL ?? "none")")
                let status = try await StatusReport.load(configuration: try harness.configuration())
                #expect(status.attention.first?.reason?.contains("refund: lnurl") == true)
            }
            #expect(try await world.outgoingPayments().count == 1)
        }
    }

    @Test func theSameContentTwiceIsPaidOnceAndReused() async throws {
        try await PaidPathTests.withWorld { world in
            let harness = world.harness
            try await harness.withDaemon(wallet: world.wallet) { _ in
                let image = Data(TestPNG.make(seed: Array("same".utf8)))
                try harness.directory.write("inbox/products/first.png", data: image)
                try harness.directory.write("inbox/products/second.png", data: image)
                try await harness.waitForJob(harness.inbox + "/first.png", state: .done)
                try await harness.waitForJob(harness.inbox + "/second.png", state: .done)
                let first = try #require(FileManager.default.contents(atPath: harness.inbox + "/first.nobg.png"))
                let second = try #require(FileManager.default.contents(atPath: harness.inbox + "/second.nobg.png"))
                #expect(first == second)
            }
            #expect(try await world.outgoingPayments().count == 1)
        }
    }

    @Test func aUsersFileAtTheOutputNameIsNeverOverwritten() async throws {
        try await PaidPathTests.withWorld { world in
            let harness = world.harness
            let mine = try harness.directory.write("inbox/products/photo.nobg.png", contents: "my own edit")
            try await harness.withDaemon(wallet: world.wallet) { _ in
                let path = try PaidPathTests.dropImage(harness, "inbox/products/photo.png")
                let job = try await harness.waitForJob(path, state: .done)
                #expect(job.outputPath == harness.inbox + "/photo.nobg-1.png")
            }
            #expect(try String(contentsOfFile: mine, encoding: .utf8) == "my own edit")
            #expect(FileManager.default.fileExists(atPath: harness.inbox + "/photo.nobg-1.png"))
        }
    }

    @Test func noSecretReachesTheLogs() async throws {
        try await PaidPathTests.withWorld { world in
            let harness = world.harness
            let records = LogRecords()
            try await harness.withDaemon(wallet: world.wallet, logRecords: records) { _ in
                let path = try PaidPathTests.dropImage(harness, "inbox/products/secret.png")
                try await harness.waitForJob(path, state: .done)
            }
            let payment = try #require(try await harness.store().succeededPayments().first)
            let preimage = try #require(payment.preimage)
            let job = try #require(try await harness.jobs().first)
            let token = try #require(job.credential)
            let logged = records.all.map { record in
                record.message + " " + record.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            }
            #expect(logged.contains { $0.contains("paid") })
            // One info line for the finished job, with what it cost and how long it took.
            let done = try #require(records.all.first { $0.message == "job done" })
            #expect(done.level == .info)
            #expect(done.metadata["rule.name"] == "products")
            #expect(done.metadata["file.path"]?.hasSuffix("secret.png") == true)
            #expect(done.metadata["job.sats"] == "\(Double(world.provider.configuration.editPriceSats))")
            #expect(done.metadata["job.seconds"].flatMap(Double.init) != nil)
            for secret in [world.lnbits.payer.adminkey, preimage, token] {
                #expect(!logged.contains { $0.contains(secret) }, "a secret was logged")
            }
            let status = try await StatusReport.load(configuration: try harness.configuration())
            let json = String(decoding: try JSONEncoder().encode(status), as: UTF8.self)
            for secret in [world.lnbits.payer.adminkey, preimage, token] { #expect(!json.contains(secret)) }
        }
    }
}
