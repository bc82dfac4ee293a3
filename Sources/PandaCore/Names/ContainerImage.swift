/// The one check for `payload.container`, which the pilot puts into the
/// container runtime's command line: a reference to an image, never an
/// option (`--privileged`, `--bind=/:/host`) nor anything a runtime would
/// read as more than one word.
///
/// ```swift
/// ContainerImage.problem("docker://alpine:3.20", at: "payload.container")   // nil
/// ContainerImage.problem("--privileged", at: "payload.container")
/// // "payload.container '--privileged' is not an image reference: it must start with a letter, a digit or '/'"
/// ```
/// Accepted: an image name with registry, tag and digest
/// (`registry.example:5000/ns/img:1.2@sha256:…`), with a transport prefix
/// (`docker://`, `oras://`, `library://`, `shub://`, `docker-daemon:`), or an
/// absolute path (`/cvmfs/unpacked.cern.ch/…`, a SIF file): letters, digits
/// and `.`, `_`, `-`, `/`, `:`, `@`, `+`; first a letter, a digit or `/`;
/// no `..`; at most 512 bytes.
public enum ContainerImage {
    public static let maxBytes = 512

    /// What is wrong with `image`, said about `place`, or nil when it is a plain reference.
    public static func problem(_ image: String, at place: String) -> String? {
        let shown = PathName.quoted(image)
        if image.isEmpty { return "\(place) is empty" }
        if image.utf8.count > maxBytes { return "\(place) is \(image.utf8.count) bytes long; at most \(maxBytes)" }
        guard let first = image.unicodeScalars.first, isLetterOrDigit(first) || first == "/" else {
            return "\(place) \(shown) is not an image reference: it must start with a letter, a digit or '/'"
        }
        if let bad = image.unicodeScalars.first(where: { !isReferenceCharacter($0) }) {
            let what = bad.value < 0x20 || bad.value == 0x7F ? "a control character" : "'\(Character(bad))'"
            return "\(place) \(shown) is not an image reference: it holds \(what) (allowed: letters, digits, '.', '_', '-', '/', ':', '@', '+')"
        }
        if image.contains("..") { return "\(place) \(shown) must not hold '..'" }
        return nil
    }

    private static func isLetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        default: return false
        }
    }

    private static func isReferenceCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isLetterOrDigit(scalar) || ".-_/:@+".unicodeScalars.contains(scalar)
    }
}
