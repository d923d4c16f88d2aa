import Testing

@testable import DropboltCore

/// The hand-written URL check: https anywhere, plain http only to this machine, nothing ambiguous.
@Suite struct NetworkAddressTests {
    @Test(arguments: [
        ("https://sats4ai.com", "https://sats4ai.com"),
        ("https://sats4ai.com/", "https://sats4ai.com"),
        ("HTTPS://Sats4AI.com//", "HTTPS://Sats4AI.com"),
        ("https://lnbits.example:8443/base/", "https://lnbits.example:8443/base"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
        ("http://127.0.0.1:9", "http://127.0.0.1:9"),
        ("http://127.8.9.10", "http://127.8.9.10"),
        ("http://localhost:5000/", "http://localhost:5000"),
        ("http://LOCALHOST", "http://LOCALHOST"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("https://[2001:db8::1]:443/api", "https://[2001:db8::1]:443/api"),
    ])
    func acceptedURLs(text: String, expected: String) throws {
        #expect(try NetworkAddress.checkedURL(text) == expected)
    }

    @Test(arguments: [
        ("sats4ai.com", "is not a URL"),
        ("://sats4ai.com", "is not a URL"),
        ("ftp://sats4ai.com", "has scheme 'ftp'"),
        ("https://", "has no host"),
        ("https://:443", "has no host"),
        ("https://host:0", "has port '0'"),
        ("https://host:99999", "has port '99999'"),
        ("https://host:", "has port ''"),
        ("https://host:https", "has port 'https'"),
        ("https://bücher.example", "xn-- form"),
        ("https://two words.example", "characters a host name cannot have"),
        ("https://user:secret@host.example", "user name or password"),
        ("https://host.example/path?key=1", "query or fragment"),
        ("https://host.example#top", "query or fragment"),
        ("https://host.example/a b", "white space"),
        ("https://[::1", "unclosed '['"),
        ("https://[zz::1]", "not a bracketed IPv6 address"),
        ("https://[::1]x", "where a :port belongs"),
    ])
    func malformedURLsAreNamed(text: String, reason: String) throws {
        let problem = #expect(throws: NetworkAddress.URLProblem.self) { try NetworkAddress.checkedURL(text) }
        guard case .malformed(let message) = problem else {
            Issue.record("'\(text)': expected malformed, got \(String(describing: problem))")
            return
        }
        // The one with a password is the exception: it must not be echoed.
        #expect(message.hasPrefix("'\(text)' ") || text.contains("@"))
        #expect(message.contains(reason), "\(message)")
        #expect(!message.contains("secret"))
    }

    @Test(arguments: [
        "http://sats4ai.com", "http://192.168.1.5:5000", "http://127.0.0.1.evil.example", "http://[::2]:80",
        "http://localhost.evil.example", "http://128.0.0.1",
    ])
    func plainHTTPToAnotherMachineIsInsecure(text: String) throws {
        let problem = #expect(throws: NetworkAddress.URLProblem.self) { try NetworkAddress.checkedURL(text) }
        guard case .insecure(let message) = problem else {
            Issue.record("'\(text)': expected insecure, got \(String(describing: problem))")
            return
        }
        #expect(message.contains("use https"))
    }
}
