import ArgumentParser
import Foundation
import PandaClient
import PandaCore

/// `panda logs JOB`: fetch the job's log tarball from its storage, list it,
/// print one file of it, or extract it.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Fetch a job's log tarball from its storage and list, print or extract it.",
        discussion: """
            The tarball holds the payload's stdout and stderr and the pilot's log for the job's \
            current attempt; --attempt N shows an earlier attempt's (panda show lists them). \
            The tarball is read as a stream and not trusted: a header with an impossible size is an \
            error, and reading stops past 4 GiB inflated.
            """)

    @Argument(help: ArgumentHelp("The job id.", valueName: "job"))
    var job: Int64

    @Option(help: ArgumentHelp("Print this file of the tarball (payload.stdout, payload.stderr, pilot.log).", valueName: "name"))
    var cat: String?

    @Option(help: ArgumentHelp("Extract the tarball into this directory.", valueName: "dir"))
    var extract: String?

    @Option(help: ArgumentHelp("The attempt whose log to fetch (default: the current one).", valueName: "n"))
    var attempt: Int?

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let settings = try client.settings()
        let api = try client.client(settings)
        let description = try await client.call { () throws(ClientError) in try await api.describe(job) }
        let wanted = attempt ?? description.status.attempt
        guard let outcome = description.attempts.first(where: { $0.attempt == wanted }) else {
            printError("panda: job \(job) has no attempt \(wanted) (it is at attempt \(description.status.attempt))")
            throw ExitCode(1)
        }
        guard let log = outcome.outputs.first(where: \.isLog) else {
            let earlier = description.attempts.last { $0.attempt < wanted && $0.outputs.contains(where: \.isLog) }
            printError("panda: attempt \(wanted) of job \(job) has no stored log tarball (it is \(outcome.state.rawValue); "
                       + "a log is stored when an attempt ends after its payload ran)"
                       + (earlier.map { "; attempt \($0.attempt) has one: panda logs \(job) --attempt \($0.attempt)" } ?? ""))
            throw ExitCode(1)
        }
        let scratch = NSTemporaryDirectory() + "panda-logs-\(job)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let tarball = scratch + "/" + log.lfn
        let storage = StorageAccess(settings: HTTPSettings(timeout: .minutes(10), caFile: settings.caFile))
        do {
            let fetched = try await storage.get(log.url, to: tarball, md5: false)
            if let expected = Checksum(log.checksum), !fetched.matches(expected) {
                printError("panda: \(log.url) does not match its recorded checksum \(log.checksum); it may have been overwritten")
                throw ExitCode(1)
            }
        } catch let error as StorageError {
            printError("panda: cannot fetch \(log.url): \(error)")
            throw ExitCode(1)
        }
        do {
            if let directory = extract {
                let entries = try TarGzReader.extract(tarball, into: directory)
                for entry in entries { say(directory + "/" + entry.name) }
            } else if let name = cat {
                // Streamed: nothing of the file is held. Into a pipe or file as it
                // is; on a terminal through a scratch file, to be shown escaped
                // (another user's payload wrote it).
                let terminal = isatty(STDOUT_FILENO) == 1
                let shown = scratch + "/shown"
                guard !terminal || FileManager.default.createFile(atPath: shown, contents: nil),
                      let output = terminal ? FileHandle(forWritingAtPath: shown) : Optional(FileHandle.standardOutput) else {
                    printError("panda: cannot write \(shown)")
                    throw ExitCode(1)
                }
                let copied = try TarGzReader.copy(of: tarball, firstMatching: { $0 == name || ($0 as NSString).lastPathComponent == name },
                                                  to: output.fileDescriptor)
                guard copied.found != nil else {
                    printError("panda: \(log.lfn) has no \(name); it holds \(copied.all.map { ($0.name as NSString).lastPathComponent }.joined(separator: ", "))")
                    throw ExitCode(1)
                }
                if terminal { writeEscaped(file: shown) }
            } else {
                say("\(log.lfn) (\(log.url))")
                var table = TextTable("SIZE", "NAME")
                for entry in try TarGzReader.entries(of: tarball) { table.add(String(entry.size), entry.name) }
                say(table.render())
            }
        } catch let error as TarGzReader.Failure {
            printError("panda: \(error)")
            throw ExitCode(1)
        }
    }
}
