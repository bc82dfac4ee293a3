import Logging
import NIOCore
import NIOSSL
import PandaConfig
import Synchronization

/// The TLS certificate and key of a listener (the server's, the monitor's),
/// read again on reload (`systemctl reload panda-server`) so a renewed
/// certificate is served without a restart, and the TLS settings both
/// listeners share: TLS 1.2 offers only forward-secret AEAD suites.
///
/// ```swift
/// let certificate = try ReloadableCertificate(files: tls)
/// let settings = certificate.serverConfiguration()     // hand to the listener once
/// certificate.reload(logger: logger)                    // on SIGHUP: new handshakes use the new pair
/// ```
/// The listener's TLS context is built once; each handshake asks
/// `sslContextCallback` for the pair in force, so a reload touches no open
/// connection: those keep the session they negotiated. A pair that cannot be
/// read, or whose key does not match its certificate, is refused and the
/// running one kept.
public final class ReloadableCertificate: Sendable {
    struct Pair: Sendable {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
    }

    public let files: TLSFiles
    private let current: Mutex<Pair>

    /// Reads the pair; the error names both files and why.
    public init(files: TLSFiles) throws(CertificateFileError) {
        self.files = files
        do {
            current = Mutex(try Self.read(files))
        } catch {
            throw CertificateFileError("cannot load TLS certificate \(files.cert) or key \(files.key): \(error)")
        }
    }

    var pair: Pair { current.withLock { $0 } }

    /// The listener's settings: the pair read at start, replaced per
    /// handshake by the one in force.
    public func serverConfiguration() -> TLSConfiguration {
        let start = pair
        var settings = TLSConfiguration.makeServerConfiguration(
            certificateChain: start.chain.map { .certificate($0) }, privateKey: .privateKey(start.key))
        settings.minimumTLSVersion = files.minVersion == .tls13 ? .tlsv13 : .tlsv12
        // TLS 1.2 offers only ECDHE key exchange with AEAD ciphers: no
        // static-RSA (no forward secrecy) and no CBC-SHA1 suites. TLS 1.3's
        // suites are all of that kind already.
        settings.cipherSuiteValues = Self.tls12CipherSuites
        settings.sslContextCallback = { [self] _, promise in
            let now = pair
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = now.chain.map { .certificate($0) }
            override.privateKey = .privateKey(now.key)
            promise.succeed(override)
        }
        return settings
    }

    /// Reads the files again; returns whether the new pair is now served.
    @discardableResult
    public func reload(logger: Logger) -> Bool {
        do {
            let next = try Self.read(files)
            current.withLock { $0 = next }
            let subject = next.chain.first.map { String(describing: $0) } ?? "no certificate"
            logger.notice("TLS certificate reloaded from \(files.cert): \(subject); new connections use it, open ones keep theirs")
            return true
        } catch {
            logger.error("TLS certificate reload refused: \(files.cert) or \(files.key): \(error); the running certificate is kept")
            return false
        }
    }

    /// The TLS 1.2 suites offered: forward-secret (ECDHE) and
    /// authenticated encryption (GCM, ChaCha20-Poly1305), strongest first.
    static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ]

    private static func read(_ files: TLSFiles) throws -> Pair {
        let chain = try NIOSSLCertificate.fromPEMFile(files.cert)
        guard let leaf = chain.first else { throw CertificateFileError("\(files.cert) holds no certificate") }
        let key = try NIOSSLPrivateKey(file: files.key, format: .pem)
        // A renewal that replaced one file but not yet the other would
        // otherwise fail every handshake until the second file lands: a
        // context built from the pair checks that the key is the leaf's.
        do {
            _ = try NIOSSLContext(configuration: .makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)))
        } catch {
            throw CertificateFileError("the key in \(files.key) does not belong to the certificate \(leaf) in \(files.cert) (\(error))")
        }
        return Pair(chain: chain, key: key)
    }
}

/// Why a certificate and key cannot be served.
public struct CertificateFileError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
