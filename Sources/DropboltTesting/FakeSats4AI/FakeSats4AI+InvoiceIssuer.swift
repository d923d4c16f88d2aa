extension FakeSats4AI {
    /// Where the fake's invoices come from, and where it checks that one was paid before it serves a paid request.
    public enum InvoiceIssuer: Sendable {
        /// The payee wallet of a real LNbits (tests, the chaos run, the bench's main figures): three LNbits calls
        /// per paid job (create, pay, check), about 44 ms of its CPU.
        case lnbits(LNbitsServer)
        /// A fake node's book: signed invoices it pays at once when ``FakePhoenixd`` (sharing the book) is asked.
        /// No wallet server in the paid path, so a client's own cost sets its rate (the bench's comparison with a
        /// wallet that is not the bottleneck).
        case walletBook(FakeWalletBook)

        /// A fresh invoice for `amountSats` (a book's invoices expire in an hour, whatever `expirySeconds` says).
        func createInvoice(amountSats: Int, memo: String, expirySeconds: Int) async throws -> (
            bolt11: String, paymentHash: String
        ) {
            switch self {
            case .lnbits(let lnbits):
                return try await lnbits.createInvoice(amountSats: amountSats, memo: memo, expirySeconds: expirySeconds)
            case .walletBook(let book):
                let planned = book.plan(amountSats: Int64(amountSats), outcome: .succeed(feeMsat: 0))
                return (planned.bolt11, planned.paymentHashHex)
            }
        }

        /// Whether the invoice with this payment hash is settled.
        func isPaid(paymentHash: String) async throws -> Bool {
            switch self {
            case .lnbits(let lnbits): try await lnbits.isPaid(paymentHash: paymentHash)
            case .walletBook(let book): book.payment(paymentHash)?.1.isSucceeded ?? false
            }
        }
    }
}
