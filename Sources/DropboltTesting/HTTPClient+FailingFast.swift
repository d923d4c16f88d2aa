import AsyncHTTPClient

extension HTTPClient {
    /// A process-wide client that fails at once on a refused or unresolvable connection, like the daemon's own
    /// (`HTTPClient.shared` retries establishing the connection until the request's deadline).
    public static let failingFast: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
