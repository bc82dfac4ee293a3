import Hummingbird
import PandaCore
import PandaStore

extension ServerContext {
    func registerCatalogueRoutes(on router: Router<PandaRequestContext>) {
        router.post("/api/v1/dataset/add_files") { request, context in
            let caller = try context.require(.submit)
            let addition = try await body.decode(AddFilesRequest.self, from: request)
            try check(addition, caller: caller)
            return JSONReply.success(try await store.addFiles(addition, owner: caller.subject, now: Self.now))
        }
        // Asked before writing under a name (uploads, stage-out, recovery):
        // a registered file is never overwritten with other bytes.
        router.post("/api/v1/dataset/registered_files") { request, context in
            _ = try context.require(.submit, .read, .pilot)
            let asked = try await body.decode(RegisteredFilesRequest.self, from: request)
            let limit = configuration.server.limits.filesPerRequest
            guard asked.files.count <= limit else {
                throw APIError(.contentTooLarge, "\(asked.files.count) files in one request; at most \(limit) (server.limits.files_per_request)")
            }
            var problems: [String] = []
            for (index, file) in asked.files.enumerated() where problems.count < 20 {
                if let problem = PathName.problem(file.scope, as: .scope, at: "files[\(index)].scope") { problems.append(problem) }
                if let problem = PathName.problem(file.lfn, as: .file, at: "files[\(index)].lfn") { problems.append(problem) }
            }
            guard problems.isEmpty else { throw APIError(.badRequest, problems.prefix(20).joined(separator: "; ")) }
            return JSONReply.success(try await store.registeredFiles(among: asked.files.map { CatalogueFileName(scope: $0.scope, lfn: $0.lfn) }))
        }
        router.get("/api/v1/datasets") { _, context in
            _ = try context.require(.submit, .read)
            return JSONReply.success(try await store.datasets())
        }
        router.get("/api/v1/dataset/get_files") { request, context in
            _ = try context.require(.submit, .read)
            guard let name = request.uri.queryParameters["name"].map(String.init) else {
                throw APIError(.badRequest, "name (the dataset) is required")
            }
            guard let dataset = try await store.dataset(named: name) else { throw APIError(.notFound, "dataset \(name) does not exist") }
            return JSONReply.success(dataset)
        }
        router.get("/api/v1/storage") { _, context in
            _ = try context.require(.submit, .read, .pilot, .factory)
            return JSONReply.success(configuration.storageEndpoints.map {
                StorageEndpointInfo(name: $0.name, site: $0.site, url: $0.url.string, readOnly: $0.readOnly)
            })
        }
    }

    /// Everything wrong with the files, at once, before anything is stored:
    /// counts first (413), then names, sizes, checksums and replica places
    /// (400), then whether the caller may write in each file's scope (403).
    private func check(_ addition: AddFilesRequest, caller: TokenClaims) throws {
        let limits = configuration.server.limits
        guard !addition.files.isEmpty else { throw APIError(.badRequest, "files is empty") }
        guard addition.files.count <= limits.filesPerRequest else {
            throw APIError(.contentTooLarge,
                           "\(addition.files.count) files in one request; at most \(limits.filesPerRequest) (server.limits.files_per_request)")
        }
        if let crowded = addition.files.firstIndex(where: { $0.replicas.count > limits.replicasPerFile }) {
            throw APIError(.contentTooLarge, "files[\(crowded)] has \(addition.files[crowded].replicas.count) replicas; "
                           + "at most \(limits.replicasPerFile) (server.limits.replicas_per_file)")
        }
        let textBytes = Int(limits.textBytes.bytes)
        for (index, file) in addition.files.enumerated() {
            if let url = file.replicas.first(where: { $0.url.utf8.count > textBytes })?.url {
                throw APIError(.contentTooLarge, "files[\(index)] has a replica URL of \(url.utf8.count) bytes; at most \(textBytes) (server.limits.text_bytes)")
            }
        }
        var problems: [String] = []
        if let problem = PathName.problem(addition.dataset, as: .dataset, at: "dataset") { problems.append(problem) }
        for (index, file) in addition.files.enumerated() where problems.count < 20 {
            let place = "files[\(index)]"
            if let problem = PathName.problem(file.scope, as: .scope, at: "\(place).scope") { problems.append(problem) }
            if let problem = PathName.problem(file.lfn, as: .file, at: "\(place).lfn") { problems.append(problem) }
            if file.size < 0 { problems.append("\(place).size is negative") }
            if let checksum = file.checksum, !Checksum.isWellFormed(checksum) {
                problems.append("\(place).checksum \(PathName.quoted(checksum)) is not ad:XXXXXXXX or md5:32 hex digits")
            }
            if file.replicas.isEmpty { problems.append("\(place) (\(PathName.quoted(file.lfn))) has no replica; register files where they are") }
            problems += replicaProblems(file.replicas, at: place)
        }
        guard problems.isEmpty else { throw APIError(.badRequest, problems.prefix(20).joined(separator: "; ")) }
        try requireDatasetWritable(addition.dataset, by: caller, at: "dataset")
        for (index, file) in addition.files.enumerated() {
            try requireWritable(file.scope, by: caller, at: "files[\(index)].scope")
        }
    }
}
