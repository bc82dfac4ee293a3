import Hummingbird
import PandaCore
import PandaStore

extension ServerContext {
    /// Files registered in one request at most; clients send more in turns.
    static let filesPerRequest = 50_000

    func registerCatalogueRoutes(on router: Router<PandaRequestContext>) {
        router.post("/api/v1/dataset/add_files") { request, context in
            let caller = try context.require(.submit)
            let addition = try await body.decode(AddFilesRequest.self, from: request)
            try check(addition)
            return JSONReply.success(try await store.addFiles(addition, owner: caller.subject, now: Self.now))
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

    /// Everything wrong with the files, at once, before anything is stored.
    private func check(_ addition: AddFilesRequest) throws {
        var problems: [String] = []
        if let problem = CatalogueName.problem(addition.dataset, what: "dataset") { problems.append(problem) }
        guard !addition.files.isEmpty else { throw APIError(.badRequest, "files is empty") }
        guard addition.files.count <= Self.filesPerRequest else {
            throw APIError(.contentTooLarge, "\(addition.files.count) files in one request; at most \(Self.filesPerRequest)")
        }
        let storage = Set(configuration.storageEndpoints.map(\.name))
        for (index, file) in addition.files.enumerated() {
            let place = "files[\(index)]"
            if let problem = CatalogueName.problem(file.scope, what: "\(place).scope") { problems.append(problem) }
            problems += JobSpec.fileNameProblems(file.lfn, at: place)
            if file.size < 0 { problems.append("\(place).size is negative") }
            if let checksum = file.checksum, !Checksum.isWellFormed(checksum) {
                problems.append("\(place).checksum '\(checksum)' is not ad:XXXXXXXX or md5:32 hex digits")
            }
            if file.replicas.isEmpty { problems.append("\(place) (\(file.lfn)) has no replica; register files where they are") }
            for replica in file.replicas where !storage.contains(replica.storage) {
                problems.append("\(place).replicas: storage endpoint \(replica.storage) is not configured (known: \(storage.sorted().joined(separator: ", ")))")
            }
            if problems.count >= 20 { break }
        }
        guard problems.isEmpty else { throw APIError(.badRequest, problems.prefix(20).joined(separator: "; ")) }
    }
}
