import Foundation
import PandaCore
import Testing

/// What the safety tests check after every refusal: the status and the
/// envelope, and that nothing on disk or in the catalogue changed.
enum SafetyChecks {
    static func expectRefused(_ reply: ServerProcess.Reply, _ status: Int, containing text: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == status, "\(reply.status) \(reply.message)", sourceLocation: sourceLocation)
        #expect(reply.json["success"] as? Bool == false, sourceLocation: sourceLocation)
        #expect(reply.json.keys.contains("data") && reply.json.keys.contains("message"), sourceLocation: sourceLocation)
        #expect(reply.message.contains(text), "\(reply.message)", sourceLocation: sourceLocation)
    }

    /// Every file under `directory` with its bytes: equal snapshots mean nothing was written, moved or removed.
    static func snapshot(_ directory: String) -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return files }
        while let path = walker.nextObject() as? String {
            files[path] = FileManager.default.contents(atPath: directory + "/" + path) ?? Data()
        }
        return files
    }

    /// The whole catalogue as a reader sees it: every dataset with every file and replica.
    static func catalogue(_ server: ServerProcess, token: String) async throws -> [DatasetContents] {
        let names = try await server.get("/api/v1/datasets", token: token).decode([DatasetSummary].self).map(\.name)
        var contents: [DatasetContents] = []
        for name in names {
            contents.append(try await server.get("/api/v1/dataset/get_files?name=\(name)", token: token).decode(DatasetContents.self))
        }
        return contents
    }

    /// Every job the server holds, as a reader sees it.
    static func jobs(_ server: ServerProcess, token: String) async throws -> [JobStatus] {
        try await server.get("/api/v1/jobs?limit=1000", token: token).decode(JobPage.self).jobs
    }
}
