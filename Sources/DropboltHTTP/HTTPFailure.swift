import AsyncHTTPClient
import NIOCore
import NIOPosix

/// Sorts HTTP client failures by the one question that matters for money: could the request have arrived?
public enum HTTPFailure {
    /// True only when the request certainly never reached the server (no connection was made).
    ///
    /// Everything else (a reset, a timeout while waiting for the answer, a cut-off body) may have happened after
    /// the server acted on the request, so a payment in such a case has an unknown outcome.
    public static func neverDelivered(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError { return error == .connectTimeout }
        if error is NIOConnectionError { return true }
        if let error = error as? IOError {
            return [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL].contains(error.errnoCode)
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        return false
    }
}
