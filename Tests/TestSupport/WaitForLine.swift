import Foundation

/// Waits (up to 30 s) until `file` holds `line`: a child saying it is ready.
public func waitForLine(_ line: String, in file: String) {
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
        if let text = try? String(contentsOfFile: file, encoding: .utf8), text.contains(line) { return }
        usleep(20_000)
    }
}
