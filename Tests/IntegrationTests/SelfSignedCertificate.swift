import Foundation

/// A self-signed certificate for 127.0.0.1 (CN `name`), made by openssl in
/// `directory`: what every TLS test of the server and the monitor serves.
///
/// ```swift
/// let pair = try SelfSignedCertificate.make(in: directory)
/// try ServerProcess(server: "tls: { cert: \(pair.cert), key: \(pair.key) }")
/// ```
enum SelfSignedCertificate {
    static func make(in directory: String, name: String = "localhost") throws -> (cert: String, key: String) {
        let cert = "\(directory)/\(name)-cert.pem", key = "\(directory)/\(name)-key.pem"
        let openssl = try PandaProcess.runTool("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=\(name)",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert,
        ])
        guard openssl.status == 0 else { throw ServerProcessError("openssl: \(openssl.stderr)") }
        return (cert, key)
    }
}
