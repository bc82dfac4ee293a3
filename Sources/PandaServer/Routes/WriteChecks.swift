import PandaConfig
import PandaCore

/// Who may write where, checked on every route that writes: scopes are
/// owned (`ScopeGrants`), a replica lies under its storage endpoint's base
/// URL, and a job's files are named in a scope when it names none.
extension ServerContext {
    var grants: ScopeGrants { ScopeGrants(configuration.server.scopes) }
    var specLimits: SpecLimits { configuration.server.limits.spec }

    /// The job as it will be stored: every output and the log in the
    /// submitter's own scope when they name none (a shared default scope
    /// would let one user's output overwrite another's at the storage),
    /// and every scope, and its output dataset's, one the submitter may
    /// write in, else 403.
    func owned(_ spec: JobSpec, by caller: TokenClaims, at place: String) throws -> JobSpec {
        var spec = spec
        let personal = ScopeGrants.personal(caller.subject)
        for index in spec.outputs.indices where spec.outputs[index].scope == nil { spec.outputs[index].scope = personal }
        if spec.log != nil && spec.log?.scope == nil { spec.log?.scope = personal }
        let grants = grants
        for (index, file) in spec.writtenFiles.enumerated() {
            let scope = file.scope ?? personal
            guard grants.mayWrite(scope, user: caller.subject, isAdmin: caller.scope == .admin) else {
                let at = index < spec.outputs.count ? "\(place)outputs[\(index)].scope" : "\(place)log.scope"
                throw APIError.forbidden(ScopeGrants.refusal(scope, user: caller.subject, at: at))
            }
        }
        if let dataset = spec.outputDataset { try requireDatasetWritable(dataset, by: caller, at: "\(place)output_dataset") }
        return spec
    }

    /// Refuses (403) files in a scope the caller may not write in: new
    /// files and replicas of a file are added only by its scope's owner.
    func requireWritable(_ scope: String, by caller: TokenClaims, at place: String) throws {
        guard grants.mayWrite(scope, user: caller.subject, isAdmin: caller.scope == .admin) else {
            throw APIError.forbidden(ScopeGrants.refusal(scope, user: caller.subject, at: place))
        }
    }

    /// Refuses (403) a dataset name in a scope the caller may not write in:
    /// `user.alice.results` is Alice's to make, as her files are, so no one
    /// else can take the name first.
    func requireDatasetWritable(_ name: String, by caller: TokenClaims, at place: String) throws {
        let grants = grants
        guard grants.mayCreateDataset(name, user: caller.subject, isAdmin: caller.scope == .admin) else {
            let scope = grants.scope(ofDataset: name) ?? name
            throw APIError.forbidden("\(place) \(PathName.quoted(name)) is in scope \(scope), which is not yours: \(caller.subject) writes in "
                                     + "\(ScopeGrants.personal(caller.subject)) and in scopes granted in server.scopes")
        }
    }

    /// What is wrong with replicas a request names: each at a configured
    /// storage endpoint and under that endpoint's base URL.
    func replicaProblems(_ replicas: [Replica], at place: String) -> [String] {
        var problems: [String] = []
        for (index, replica) in replicas.enumerated() {
            guard let endpoint = configuration.storage(named: replica.storage) else {
                let known = configuration.storageEndpoints.map(\.name).joined(separator: ", ")
                problems.append("\(place).replicas[\(index)]: storage endpoint \(PathName.quoted(replica.storage)) is not configured (known: \(known))")
                continue
            }
            if !StoragePath.isUnder(replica.url, base: endpoint.url.string) {
                problems.append("\(place).replicas[\(index)].url \(PathName.quoted(replica.url)) is not under \(endpoint.name)'s base \(endpoint.url.string)")
            }
        }
        return problems
    }

    /// What is wrong with files a pilot reports stored: each at a writable
    /// storage endpoint, at `BASE/SCOPE/LFN` of it, as the pilot was told to
    /// store them; the store then checks them against the job's own outputs.
    func storedFileProblems(_ files: [StoredFile]) -> [String] {
        var problems: [String] = []
        for (index, file) in files.enumerated() {
            let place = "outputs[\(index)]"
            if let problem = PathName.problem(file.lfn, as: .file, at: "\(place).lfn") { problems.append(problem); continue }
            if let scope = file.scope, let problem = PathName.problem(scope, as: .scope, at: "\(place).scope") { problems.append(problem); continue }
            guard let name = file.storage, let endpoint = configuration.storage(named: name), !endpoint.readOnly else {
                problems.append("\(place).storage \(PathName.quoted(file.storage ?? "")) is not a writable storage endpoint")
                continue
            }
            if !StoragePath.isUnder(file.url, base: endpoint.url.string) {
                problems.append("\(place).url \(PathName.quoted(file.url)) is not under \(endpoint.name)'s base \(endpoint.url.string)")
            }
        }
        return problems
    }

    /// Refuses (400) a report whose stored files lie outside their storage endpoints.
    func checkStoredFiles(_ update: JobUpdate) throws {
        guard let outputs = update.outputs, !outputs.isEmpty else { return }
        let problems = storedFileProblems(outputs)
        guard problems.isEmpty else { throw APIError(.badRequest, "job \(update.jobID): " + problems.prefix(20).joined(separator: "; ")) }
    }
}
