import Foundation

/// Checks for the network addresses in the config: provider and wallet URLs, and the status listener.
public enum NetworkAddress {
    /// Why a URL was refused.
    enum URLProblem: Error {
        /// Not a URL with an http(s) scheme and a host.
        case malformed(String)
        /// Plain http to a host that is not this machine.
        case insecure(String)
    }

    private static let urlUsage = "write it like https://host or http://127.0.0.1:port"

    /// Accepts `https://…`, or `http://…` only when the host is loopback; returns the URL without a trailing slash.
    ///
    /// Parsed by hand rather than with `URLComponents`: reading its host runs IDNA, which faults ~1.2 MB of ICU
    /// into the daemon at start-up (measured with `make bench` row c). Hosts must be ASCII (write IDN hosts in
    /// their `xn--` form); a query or fragment is refused because API paths are appended to this URL.
    static func checkedURL(_ text: String) throws(URLProblem) -> String {
        guard let separator = text.firstRange(of: "://") else {
            throw .malformed("'\(text)' is not a URL; \(urlUsage)")
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        let afterScheme = text[separator.upperBound...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let rest = afterScheme.dropFirst(authority.count)
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else {
            throw .malformed("'\(text)' is not a URL; \(urlUsage)")
        }
        if rest.contains("?") || rest.contains("#") {
            throw .malformed("'\(text)' has a query or fragment; give the base URL only, e.g. https://host/path")
        }
        if rest.contains(where: { $0.isWhitespace }) {
            throw .malformed("'\(text)' contains white space; \(urlUsage)")
        }
        // Credentials in the URL would end up in logs; they belong in the key settings.
        if let at = authority.lastIndex(of: "@") {
            let redacted = "\(scheme)://…@\(authority[authority.index(after: at)...])"
            throw .malformed("'\(redacted)…' has a user name or password in it; remove it (use the key settings)")
        }
        let host = try hostOfAuthority(authority, in: text)
        switch scheme {
        case "https":
            break
        case "http":
            guard isLoopback(host: String(host)) else {
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

    /// The host of `authority` (`host`, `host:port`, `[v6]`, `[v6]:port`), checked to be an ASCII name or address.
    static func hostOfAuthority(_ authority: Substring, in text: String) throws(URLProblem) -> Substring {
        let host: Substring
        let port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw .malformed("'\(text)' has an unclosed '[' in its host")
            }
            host = authority[...close]
            let inner = authority[authority.index(after: authority.startIndex)..<close]
            guard !inner.isEmpty, inner.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw .malformed("'\(text)' has '\(host)', which is not a bracketed IPv6 address")
            }
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else {
                throw .malformed("'\(text)' has text after the IPv6 address where a :port belongs")
            }
            port = after.isEmpty ? nil : after.dropFirst()
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        } else {
            host = authority
            port = nil
        }
        guard !host.isEmpty else {
            throw .malformed("'\(text)' has no host; \(urlUsage)")
        }
        if !host.hasPrefix("[") {
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") })
            else {
                throw .malformed(
                    "'\(text)' has host '\(host)' with characters a host name cannot have (write international "
                        + "names in their xn-- form)")
            }
        }
        if let port {
            guard let number = Int(port), (1...65535).contains(number), port.allSatisfy(\.isASCII) else {
                throw .malformed("'\(text)' has port '\(port)'; a port is a number between 1 and 65535")
            }
        }
        return host
    }

    /// True for `localhost`, any `127.x.y.z` and `::1` (with or without brackets).
    public static func isLoopback(host rawHost: String) -> Bool {
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

    /// The host (without IPv6 brackets) and port of a listener address that ``problemWithListenAddress(_:)`` accepts.
    public static func listenAddress(_ text: String) -> (host: String, port: Int)? {
        guard problemWithListenAddress(text) == nil, let colon = text.lastIndex(of: ":"),
            let port = Int(text[text.index(after: colon)...])
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
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

/// The rule for URLs that come from outside at run time (a result's `imageUrl`): https, or http to loopback only.
public enum RemoteURLPolicy {
    /// True for `https://host…`, and for `http://` only when the host is this machine. Queries are allowed (result
    /// URLs are often signed); credentials in the URL are not.
    public static func allows(_ url: String) -> Bool {
        guard let separator = url.firstRange(of: "://") else { return false }
        let scheme = url[..<separator.lowerBound].lowercased()
        let authority = url[separator.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@"), let host = try? NetworkAddress.hostOfAuthority(authority, in: url) else {
            return false
        }
        switch scheme {
        case "https": return true
        case "http": return NetworkAddress.isLoopback(host: String(host))
        default: return false
        }
    }
}
