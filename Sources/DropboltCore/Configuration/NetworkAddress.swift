import Foundation

/// Checks for the network addresses in the config: provider and wallet URLs, and the status listener.
enum NetworkAddress {
    /// Why a URL was refused.
    enum URLProblem: Error {
        /// Not a URL with an http(s) scheme and a host.
        case malformed(String)
        /// Plain http to a host that is not this machine.
        case insecure(String)
    }

    /// Accepts `https://…`, or `http://…` only when the host is loopback; returns the URL without a trailing slash.
    static func checkedURL(_ text: String) throws(URLProblem) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let rawHost = components.host, !rawHost.isEmpty
        else {
            throw .malformed("'\(text)' is not a URL; write it like https://host or http://127.0.0.1:port")
        }
        switch scheme {
        case "https":
            break
        case "http":
            guard isLoopback(host: rawHost) else {
                throw .insecure(
                    "'\(text)' uses plain http to another machine; use https (http is only allowed for "
                        + "localhost, 127.0.0.0/8 and ::1)"
                )
            }
        default:
            throw .malformed("'\(text)' has scheme '\(scheme)'; only https (or http to loopback) is allowed")
        }
        var result = text
        while result.hasSuffix("/") { result.removeLast() }
        return result
    }

    /// True for `localhost`, any `127.x.y.z` and `::1` (with or without brackets).
    static func isLoopback(host rawHost: String) -> Bool {
        var host = rawHost.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        let values = octets.compactMap { octet in octet.count <= 3 ? UInt8(octet) : nil }
        return values.count == 4 && values[0] == 127
    }

    /// Checks a `host:port` listener address (`[::1]:8402` for IPv6); returns a message when it is not one.
    static func problemWithListenAddress(_ text: String) -> String? {
        let usage = "write it as host:port, e.g. 127.0.0.1:8402 or [::1]:8402"
        guard let colon = text.lastIndex(of: ":") else { return "'\(text)' has no port; \(usage)" }
        let host = text[..<colon]
        let port = text[text.index(after: colon)...]
        guard let number = Int(port), (1...65535).contains(number) else {
            return "'\(port)' is not a port number between 1 and 65535; \(usage)"
        }
        if host.hasPrefix("[") {
            let inner = host.dropFirst()
            guard inner.hasSuffix("]"), inner.count > 1,
                inner.dropLast().allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." })
            else {
                return "'\(host)' is not a bracketed IPv6 address; \(usage)"
            }
            return nil
        }
        let allowed = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
        guard !host.isEmpty, allowed else {
            return "'\(host)' is not a host name or address; \(usage)"
        }
        return nil
    }
}
