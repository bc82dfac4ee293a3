extension JobSpec {
    /// Every count and length of the job that passes its limit, for a 413;
    /// looks only at sizes of lists and strings, never walks a list whose
    /// count is over its limit, so it costs little whatever was sent.
    public func sizeProblems(within limits: SpecLimits = SpecLimits()) -> [String] {
        var problems: [String] = []
        func bound(_ text: String?, at place: String) {
            if let text, text.utf8.count > limits.textBytes {
                problems.append("\(place) is \(text.utf8.count) bytes long; at most \(limits.textBytes) (server.limits.text_bytes)")
            }
        }
        func count(_ n: Int, at place: String, limit: Int, key: String) -> Bool {
            guard n <= limit else {
                problems.append("\(place) has \(n) items; at most \(limit) (server.limits.\(key))")
                return false
            }
            return true
        }
        bound(payload.executable, at: "payload.executable")
        bound(payload.container, at: "payload.container")
        bound(name, at: "name")
        if count(payload.environment.count, at: "payload.environment", limit: limits.listItems, key: "list_items") {
            let bytes = SpecLimits.commandBytes(arguments: payload.arguments, environment: payload.environment)
            if bytes > limits.commandBytes {
                problems.append("payload.arguments and payload.environment are \(bytes) bytes; at most \(limits.commandBytes) (server.limits.command_bytes)")
            }
        }
        if count(software.count, at: "software", limit: limits.listItems, key: "list_items") {
            for (index, tag) in software.enumerated() { bound(tag, at: "software[\(index)]") }
        }
        if count(inputs.count, at: "inputs", limit: limits.filesPerJob, key: "files_per_job") {
            for (index, file) in inputs.enumerated() where problems.count < 20 {
                bound(file.checksum, at: "inputs[\(index)].checksum")
                if count(file.replicas.count, at: "inputs[\(index)].replicas", limit: limits.replicasPerFile, key: "replicas_per_file") {
                    for (r, replica) in file.replicas.enumerated() { bound(replica.url, at: "inputs[\(index)].replicas[\(r)].url") }
                }
            }
        }
        _ = count(outputs.count, at: "outputs", limit: limits.filesPerJob, key: "files_per_job")
        return Array(problems.prefix(20))
    }

    /// Everything wrong with this job as submitted, for a 400 that lists it
    /// (the first 20 problems); empty when it may be accepted. Sizes come
    /// first: when any is over its limit, only those are reported.
    public func problems(within limits: SpecLimits = SpecLimits()) -> [String] {
        let sizes = sizeProblems(within: limits)
        guard sizes.isEmpty else { return sizes }
        var problems: [String] = []
        func check(_ name: String?, as kind: PathName.Kind, at place: String) {
            if let name, let problem = PathName.problem(name, as: kind, at: place) { problems.append(problem) }
        }
        if payload.executable.isEmpty { problems.append("payload.executable is empty") }
        if let image = payload.container, let problem = ContainerImage.problem(image, at: "payload.container") { problems.append(problem) }
        check(queue, as: .queue, at: "queue")
        check(outputDataset, as: .dataset, at: "output_dataset")
        if !(1...1024).contains(resources.cores) { problems.append("resources.cores \(resources.cores) is not 1 to 1024") }
        if !(-1_000_000...1_000_000).contains(priority) { problems.append("priority \(priority) is not -1000000 to 1000000") }
        if let attempts = maxAttempts, !(1...100).contains(attempts) { problems.append("max_attempts \(attempts) is not 1 to 100") }
        if let walltime = resources.walltime, walltime.milliseconds <= 0 { problems.append("resources.walltime must be positive") }
        for (index, file) in inputs.enumerated() where problems.count < 20 {
            let place = "inputs[\(index)]"
            check(file.lfn, as: .file, at: "\(place).lfn")
            check(file.scope, as: .scope, at: "\(place).scope")
            if let checksum = file.checksum, !Checksum.isWellFormed(checksum) {
                problems.append("\(place).checksum \(PathName.quoted(checksum)) is not ad:XXXXXXXX or md5:32 hex digits")
            }
            if let size = file.size, size < 0 { problems.append("\(place).size is negative") }
            for (r, replica) in file.replicas.enumerated() { check(replica.storage, as: .storage, at: "\(place).replicas[\(r)].storage") }
        }
        var names: Set<String> = []
        for (index, file) in writtenFiles.enumerated() where problems.count < 20 {
            let place = index < outputs.count ? "outputs[\(index)]" : "log"
            check(file.lfn, as: .file, at: "\(place).lfn")
            check(file.scope, as: .scope, at: "\(place).scope")
            check(file.destination, as: .storage, at: "\(place).destination")
            if !names.insert(file.lfn).inserted { problems.append("output \(PathName.quoted(file.lfn)) is named twice") }
        }
        return Array(problems.prefix(20))
    }

    /// Every file the job writes (outputs, then the log), as the catalogue names them.
    public var writtenFiles: [OutputFile] { outputs + (log.map { [$0] } ?? []) }
}
