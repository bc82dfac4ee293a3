import PandaCore
import PandaSystem

/// The command line and environment a job's payload runs with.
///
/// ```swift
/// let command = try PayloadCommand(job: job, workDirectory: "/scratch/job-7", queue: "LOCAL", inherited: env)
/// command.arguments   // ["apptainer", "exec", "IMAGE", "run.sh", "a.root"] with a container
/// ```
/// The environment is the pilot's own minus every credential the pilot
/// holds, plus the job's variables and PANDA_* facts about the job.
struct PayloadCommand: Sendable {
    var arguments: [String]
    var environment: [String: String]
    var workDirectory: String

    /// Variables that carry, or lead to, the pilot's or a factory's
    /// credentials: `CREDENTIALS_DIRECTORY` is where systemd's
    /// LoadCredential= put the pilot's token.
    static let credentialVariables: Set<String> = [
        PilotCredential.environmentName, "PANDA_TOKEN", "PANDA_TOKEN_FILE", "PANDA_FACTORY_TOKEN", "CREDENTIALS_DIRECTORY",
    ]

    /// Runtimes whose command line takes `--` before the image (all parse
    /// options with Go's cobra, which stops at `--`), so that nothing after
    /// it is read as an option of theirs.
    static let runtimesTakingEndOfOptions: Set<String> = ["apptainer", "singularity", "docker", "podman"]

    static func endOfOptions(_ containerCommand: [String]) -> [String] {
        guard let program = containerCommand.first?.split(separator: "/").last else { return [] }
        return runtimesTakingEndOfOptions.contains(String(program)) ? ["--"] : []
    }

    init(job: DispatchedJob, workDirectory: String, queue: String, inherited: [String: String],
         user: Spawn.Identity? = nil) throws(JobFailure) {
        var arguments = [job.spec.payload.executable] + job.spec.payload.arguments
        if let image = job.spec.payload.container {
            guard !job.limits.containerCommand.isEmpty else {
                throw JobFailure(ErrorCode.queueWithoutContainers, "the job asks for container \(image) but queue \(queue) has no container_command")
            }
            // The server checked it at submission; checked again here, since
            // it lands in the runtime's argv, where an option would be obeyed.
            if let problem = ContainerImage.problem(image, at: "payload.container") {
                throw JobFailure(ErrorCode.payloadFailed, problem)
            }
            arguments = job.limits.containerCommand + Self.endOfOptions(job.limits.containerCommand) + [image] + arguments
        }
        var environment = inherited.filter { !Self.credentialVariables.contains($0.key) }
        environment.merge(job.spec.payload.environment) { $1 }
        environment["PANDA_JOB_ID"] = String(job.id)
        environment["PANDA_ATTEMPT"] = String(job.attempt)
        environment["PANDA_QUEUE"] = queue
        environment["PANDA_CORES"] = String(job.limits.cores)
        environment["PANDA_WORKDIR"] = workDirectory
        if let user {
            // The pilot's HOME, USER and the like name what the payload may not use.
            environment["USER"] = user.user
            environment["LOGNAME"] = user.user
            environment["HOME"] = workDirectory
        }
        environment["HOME"] = environment["HOME"] ?? workDirectory
        self.arguments = arguments
        self.environment = environment
        self.workDirectory = workDirectory
    }
}
