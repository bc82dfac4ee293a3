import ArgumentParser
import Foundation
import PandaClient
import PandaCore

/// `panda dataset add|ls|list`: the file catalogue.
struct DatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Register files in datasets, and list datasets and their files.",
        subcommands: [Add.self, Files.self, List.self])
}

extension DatasetCommand {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register files (already at a storage endpoint, or uploaded there with --upload) in a dataset.",
            discussion: """
                A local FILE is registered where it is (file://PATH), with its size and adler32 computed here; \
                with --upload it is first copied to the endpoint, under SCOPE/NAME, unless SCOPE:NAME is registered \
                with other contents (then nothing is uploaded). A URL is registered as it is, \
                with --size and --checksum when given (one URL at a time), else computed by reading it. \
                The dataset is made when it does not exist.
                """)

        @Argument(help: ArgumentHelp("The dataset.", valueName: "name"))
        var dataset: String

        @Argument(help: ArgumentHelp("Local files or URLs.", valueName: "file"))
        var files: [String]

        @Option(help: ArgumentHelp("The storage endpoint the files are at (default: `storage` in client.yaml).", valueName: "endpoint"))
        var storage: String?

        @Option(help: ArgumentHelp("The files' scope (default: scope in client.yaml, else user.YOU).", valueName: "scope"))
        var scope: String?

        @Flag(help: "Copy local files to the storage endpoint first.")
        var upload = false

        @Option(help: ArgumentHelp("The size in bytes of the one URL given, instead of reading it.", valueName: "bytes"))
        var size: Int64?

        @Option(help: ArgumentHelp("The checksum (ad:XXXXXXXX or md5:…) of the one URL given, instead of reading it.", valueName: "checksum"))
        var checksum: String?

        func validate() throws {
            guard size == nil && checksum == nil || files.count == 1 && files[0].contains("://") && !files[0].hasPrefix("file://") else {
                throw ValidationError("--size and --checksum describe one URL; give exactly one")
            }
            guard (size == nil) == (checksum == nil) else { throw ValidationError("give --size and --checksum together") }
            if let checksum, Checksum(checksum) == nil { throw ValidationError("--checksum \(checksum) is not ad:XXXXXXXX or md5:32 hex digits") }
        }

        @OptionGroup var client: ClientOptions

        func run() async throws {
            let settings = try client.settings()
            let api = try client.client(settings)
            guard let storageName = storage ?? settings.defaults.storage else {
                throw ValidationError("give --storage (or `storage` under defaults in client.yaml)")
            }
            let endpoints = try await client.call { () throws(ClientError) in try await api.storageEndpoints() }
            guard let endpoint = endpoints.first(where: { $0.name == storageName }) else {
                printError("panda: storage endpoint \(storageName) is not configured (known: \(endpoints.map(\.name).joined(separator: ", ")))")
                throw ExitCode(1)
            }
            if upload && endpoint.readOnly {
                printError("panda: \(storageName) is read-only; files cannot be uploaded to it")
                throw ExitCode(1)
            }
            let subject = tokenSubject(try client.resolvedToken(settings)) ?? "unknown"
            let scope = scope ?? settings.defaults.scope ?? TaskSplitter.defaultScope(owner: subject)
            let access = StorageAccess(settings: HTTPSettings(timeout: .minutes(30), caFile: settings.caFile))
            if upload { try await refuseRegistered(scope: scope, api: api) }
            var registered: [DatasetFile] = []
            for file in files {
                do {
                    registered.append(try await describe(file, scope: scope, endpoint: endpoint, access: access))
                } catch let error as StorageError {
                    printError("panda: \(file): \(error)")
                    throw ExitCode(1)
                }
            }
            var result = AddFilesResult(dataset: dataset, added: 0, present: 0, files: 0)
            // In turns, so a large registration stays within the server's request limits.
            for start in stride(from: 0, to: registered.count, by: 2000) {
                let chunk = Array(registered[start..<min(start + 2000, registered.count)])
                let part = try await client.call { () throws(ClientError) in try await api.addFiles(chunk, to: dataset) }
                result.added += part.added
                result.present += part.present
                result.files = part.files
            }
            if client.json { return try client.printJSON(result) }
            say("\(dataset): \(result.added) file\(result.added == 1 ? "" : "s") added"
                  + (result.present > 0 ? ", \(result.present) already there" : "") + "; it holds \(result.files)")
        }

        /// Before anything is uploaded: a name the catalogue holds is written
        /// again only with the same bytes, else nothing is written at all.
        private func refuseRegistered(scope: String, api: PandaClient) async throws {
            let local = files.filter { !$0.contains("://") || $0.hasPrefix("file://") }
            let names = local.map { RegisteredFilesRequest.FileName(scope: scope, lfn: ($0 as NSString).lastPathComponent) }
            let taken = try await client.call { () throws(ClientError) in try await api.registeredFiles(names) }
            for entry in taken {
                guard let file = local.first(where: { ($0 as NSString).lastPathComponent == entry.lfn }) else { continue }
                let algorithm = entry.checksum.flatMap(Checksum.init)?.algorithm
                let summary: FileSummary
                do {
                    summary = try FileDigest.of(file: Self.path(of: file), md5: algorithm == .md5)
                } catch {
                    printError("panda: \(file): \(error)")
                    throw ExitCode(1)
                }
                if let conflict = entry.conflict(size: summary.size, checksum: algorithm == .md5 ? summary.md5 : summary.adler32) {
                    printError("panda: \(file): \(conflict); upload it under another name")
                    throw ExitCode(1)
                }
            }
        }

        static func path(of file: String) -> String {
            URL(fileURLWithPath: file.hasPrefix("file://") ? String(file.dropFirst(7)) : file).standardizedFileURL.path
        }

        private func describe(_ file: String, scope: String, endpoint: StorageEndpointInfo, access: StorageAccess) async throws -> DatasetFile {
            let isURL = file.contains("://") && !file.hasPrefix("file://")
            let name = (file as NSString).lastPathComponent
            if isURL, let size, let checksum {
                return DatasetFile(scope: scope, lfn: name, size: size, checksum: checksum, replicas: [Replica(storage: endpoint.name, url: file)])
            }
            if isURL {
                let scratch = NSTemporaryDirectory() + "panda-add-\(UUID().uuidString.prefix(8))"
                defer { try? FileManager.default.removeItem(atPath: scratch) }
                let summary = try await access.get(file, to: scratch, md5: false)
                return DatasetFile(scope: scope, lfn: name, size: summary.size, checksum: summary.adler32.description,
                                   replicas: [Replica(storage: endpoint.name, url: file)])
            }
            let path = Self.path(of: file)
            guard FileManager.default.isReadableFile(atPath: path) else { throw StorageError(.local, "no readable file \(path)") }
            if upload {
                let url = try StorageLocation.url(under: endpoint.url, scope, name)
                let summary = try await access.put(path, to: url)
                if !client.json { say("uploaded \(path) to \(url)") }
                return DatasetFile(scope: scope, lfn: name, size: summary.size, checksum: summary.adler32.description,
                                   replicas: [Replica(storage: endpoint.name, url: url)])
            }
            let summary = try FileDigest.of(file: path)
            return DatasetFile(scope: scope, lfn: name, size: summary.size, checksum: summary.adler32.description,
                               replicas: [Replica(storage: endpoint.name, url: "file://" + path)])
        }
    }

    struct Files: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List a dataset's files with their replicas.")

        @Argument(help: ArgumentHelp("The dataset.", valueName: "name"))
        var dataset: String

        @OptionGroup var client: ClientOptions

        func run() async throws {
            let api = try client.client(try client.settings())
            let contents = try await client.call { () throws(ClientError) in try await api.dataset(dataset) }
            if client.json { return try client.printJSON(contents) }
            var table = TextTable("FILE", "SIZE", "CHECKSUM", "KIND", "REPLICAS")
            for file in contents.files {
                table.add("\(file.scope):\(file.lfn)", humanBytes(file.size), file.checksum ?? "", file.isLog ? "log" : "data",
                          file.replicas.map { "\($0.storage) \($0.url)" }.joined(separator: "; "))
            }
            say(table.render())
            let bytes = contents.files.reduce(Int64(0)) { $0 + $1.size }
            say("\(contents.name): \(contents.files.count) file\(contents.files.count == 1 ? "" : "s"), \(humanBytes(bytes)), owner \(contents.owner)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every dataset.")

        @OptionGroup var client: ClientOptions

        func run() async throws {
            let api = try client.client(try client.settings())
            let datasets = try await client.call { () throws(ClientError) in try await api.datasets() }
            if client.json { return try client.printJSON(datasets) }
            var table = TextTable("DATASET", "OWNER", "FILES", "SIZE", "CREATED")
            for dataset in datasets {
                table.add(dataset.name, dataset.owner, String(dataset.files), humanBytes(dataset.bytes), localTime(dataset.createdAt))
            }
            say(table.render())
        }
    }
}
