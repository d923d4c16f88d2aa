import AsyncHTTPClient
import DropboltLightning
import DropboltTesting
import Hummingbird
import Testing

/// phoenixd's lookup: only its own "no such payment" (404, an empty body, `null`) means never attempted; a 200 whose
/// body is not a payment (a proxy's page, a cut-off body) says nothing, so it can never end in paying again.
struct PhoenixdLookupTests {
    @Test(arguments: [("", true), ("null", true), ("<html>gateway</html>", false), ("[]", false), ("{\"paymentHa", false)])
    func onlyPhoenixdsOwnEmptyAnswerMeansNotFound(body: String, notFound: Bool) async throws {
        let router = Router()
        router.get("/payments/outgoingbyhash/:hash") { _, _ in body }
        let (port, task) = try await LoopbackServer.start(router, name: "phoenixd-lookup")
        defer { task.cancel() }
        let wallet = PhoenixdWallet(url: "http://127.0.0.1:\(port)", password: "pw", httpClient: .shared)
        let hash = [UInt8](repeating: 7, count: 32)
        do {
            let status = try await wallet.lookup(paymentHash: hash)
            guard case .notFound = status else {
                Issue.record("\(body): \(status)")
                return
            }
            #expect(notFound, "\(body) was taken as never attempted")
        } catch {
            #expect(!notFound, "\(body): \(error)")
            #expect(error.moneyMayHaveMoved || error.shortDescription == "badResponse", "\(error)")
        }
    }
}
