import DropboltCore
import Foundation
import NIOSSL

extension LNDWallet {
    /// Why LND's certificate or macaroon cannot be used; names the file, never its contents.
    public struct CredentialError: Error, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// The macaroon's bytes from the contents of a macaroon file: LND writes them binary (`admin.macaroon`), people
    /// often keep them as hex; both are accepted.
    ///
    /// - Throws: ``CredentialError`` for an empty file.
    public static func macaroon(fromFile contents: Data) throws(CredentialError) -> [UInt8] {
        let text = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let bytes = Hex.bytes(text), !bytes.isEmpty { return bytes }
        guard !contents.isEmpty else { throw CredentialError(description: "the macaroon file is empty") }
        return Array(contents)
    }

    /// A TLS configuration that trusts only the certificate in `path` (LND's self-signed `tls.cert`, PEM or DER).
    ///
    /// Certificate verification stays on; only the host name check is off, because LND's certificate names
    /// `localhost` and the node's own addresses, not necessarily the name dropbolt uses to reach it.
    ///
    /// - Throws: ``CredentialError`` when the file cannot be read or holds no certificate.
    public static func trust(certificateFile path: String) throws(CredentialError) -> TLSConfiguration {
        guard let contents = FileManager.default.contents(atPath: path), !contents.isEmpty else {
            throw CredentialError(
                description: "wallet.tls_cert_file: cannot read \(path) (it must exist and be readable)")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates =
                String(decoding: contents, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----")
                ? try NIOSSLCertificate.fromPEMBytes(Array(contents))
                : [try NIOSSLCertificate(bytes: Array(contents), format: .der)]
        } catch {
            throw CredentialError(description: "wallet.tls_cert_file: \(path) holds no readable certificate (\(error))")
        }
        guard !certificates.isEmpty else {
            throw CredentialError(description: "wallet.tls_cert_file: \(path) holds no certificate")
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(certificates)
        configuration.certificateVerification = .noHostnameVerification
        return configuration
    }
}
