import Testing

@testable import DropboltLightning

/// What an error line before any update of `/v2/router/send` means for the money.
struct LNDUpdateTests {
    static let hash = [UInt8](repeating: 1, count: 32)

    static func firstLine(code: Int, message: String) -> PaymentError? {
        let line: [String: Any] = ["error": ["code": code, "message": message]]
        guard case .failure(let error) = LNDWallet.sendUpdate(
            line, index: 0, httpStatus: 503, paymentHash: hash, amount: nil)
        else { return nil }
        return error
    }

    @Test func unavailableFromTheGatewayMayHaveStartedThePaymentSoItIsLookedUp() throws {
        // grpc-gateway sends 14 also when its stream to LND breaks, possibly after the payment started.
        let error = try #require(Self.firstLine(code: 14, message: "transport is closing"))
        #expect(error.moneyMayHaveMoved, "\(error)")
    }

    @Test func anInvalidArgumentIsARefusalAndAnExistingPaymentIsLookedUp() throws {
        let invalid = try #require(Self.firstLine(code: 3, message: "invalid payment request"))
        #expect(!invalid.moneyMayHaveMoved, "\(invalid)")
        let existing = try #require(Self.firstLine(code: 6, message: "payment is in transition"))
        #expect(existing.moneyMayHaveMoved, "\(existing)")
    }
}
