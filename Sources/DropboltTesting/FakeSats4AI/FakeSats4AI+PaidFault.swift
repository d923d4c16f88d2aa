extension FakeSats4AI {
    /// A failure answered to a correctly paid request, for ``FakeSats4AI/failPaidRequests(_:times:)``.
    ///
    /// Only ``upstreamFailedWithRefund`` consumes the token (its charge was refunded, so the credential is spent);
    /// after the others the client may retry with the same credential and body.
    public enum PaidFault: Sendable, Hashable {
        /// This HTTP status with the error envelope: `error_code` is `TIMEOUT` for 408 and 504, `RATE_LIMITED` for
        /// 429, `INVALID_INPUT` for other 4xx, and `SERVICE_ERROR` otherwise.
        case status(Int)
        /// 429 with `Retry-After: <n>`, `retry_after_seconds: n` and `error_code: RATE_LIMITED`.
        case rateLimited(retryAfterSeconds: Int)
        /// 402 with a fresh, real challenge although the request was paid: the client must not pay it.
        case paymentRequiredAgain
        /// 502 `L402_UPSTREAM_FAILED` with `refund {charge_id, refund_amount, lnurl_withdraw, status: "pending"}`.
        case upstreamFailedWithRefund
    }
}
