import Foundation

/// One parsed and environment-expanded configuration file.
struct ConfigDocument {
    let file: String
    let root: YAMLNode
    /// The main file, as opposed to one reached through `include:`.
    let isMain: Bool
}

/// Reads the main configuration file and every file its `include:` globs
/// reach, depth first in sorted order, refusing include cycles.
struct DocumentLoader {
    let environment: [String: String]
    let diagnostics: DiagnosticLog
    /// Includes nest at most this deep; each level is a recursion here.
    static let maxIncludeDepth = 32

    /// Why the main file could not be read at all.
    struct Unreadable: Error {
        let reason: String
    }

    func load(main path: String) throws(Unreadable) -> [ConfigDocument] {
        let text: String
        do {
            text = try Self.read(path)
        } catch {
            throw Unreadable(reason: error.description)
        }
        var documents: [ConfigDocument] = []
        var chain: [String] = []
        var loaded: [String: SourceMark] = [:]
        process(text: text, file: path, isMain: true, chain: &chain, loaded: &loaded, into: &documents)
        return documents
    }

    private func process(text: String, file: String, isMain: Bool, chain: inout [String], loaded: inout [String: SourceMark], into documents: inout [ConfigDocument]) {
        diagnostics.fileOrder.append(file)
        guard let parsed = YAMLParser.parse(text, file: file, diagnostics: diagnostics) else { return }
        let root = EnvironmentExpansion.expand(parsed, path: "", environment: environment, diagnostics: diagnostics)
        guard root.mapping != nil || root.isNull else {
            diagnostics.error(root.mark, "", "a configuration file is a mapping of sections (server, sites, ...), got \(root.kindDescription)")
            return
        }
        documents.append(ConfigDocument(file: file, root: root, isMain: isMain))

        let identity = Self.canonical(file)
        chain.append(identity)
        defer { chain.removeLast() }
        for (pattern, mark) in includePatterns(of: root) {
            for included in expand(pattern, from: file, mark: mark) {
                let includedIdentity = Self.canonical(included)
                if let position = chain.firstIndex(of: includedIdentity) {
                    let cycle = (chain[position...] + [includedIdentity]).map { ($0 as NSString).lastPathComponent }
                    diagnostics.error(mark, "include", "include cycle: \(cycle.joined(separator: " -> "))")
                    continue
                }
                // Not a cycle (the chain holds every ancestor, the main file
                // among them), but a second inclusion would define everything twice.
                if chain.count >= Self.maxIncludeDepth {
                    diagnostics.error(mark, "include", "includes nest deeper than \(Self.maxIncludeDepth) files; not reading \(included)")
                    continue
                }
                if let first = loaded[includedIdentity] {
                    diagnostics.error(mark, "include", "\(included) is already included by \(first)")
                    continue
                }
                loaded[includedIdentity] = mark
                do {
                    let text = try Self.read(included)
                    process(text: text, file: included, isMain: false, chain: &chain, loaded: &loaded, into: &documents)
                } catch {
                    diagnostics.error(mark, "include", "cannot read \(included): \(error)")
                }
            }
        }
    }

    /// The `include:` entries: one pattern or a list of them.
    private func includePatterns(of root: YAMLNode) -> [(String, SourceMark)] {
        guard let entry = root.mapping?.first(where: { $0.name == "include" }) else { return [] }
        let nodes = entry.value.sequence ?? [entry.value]
        return nodes.compactMap { node in
            guard let text = node.scalar?.text, !node.isNull else {
                diagnostics.error(node.mark, "include", "expected a file name or glob, got \(node.kindDescription)")
                return nil
            }
            return (text, node.mark)
        }
    }

    /// The files a pattern names, relative to the including file, sorted. A
    /// glob that matches nothing is fine (an empty queues.d); a plain name
    /// that does not exist is an error.
    private func expand(_ pattern: String, from file: String, mark: SourceMark) -> [String] {
        let absolute = ConfigReader.resolve(pattern, nextTo: file)
        let isGlob = pattern.contains(where: { "*?[".contains($0) })
        guard isGlob else {
            if !FileManager.default.fileExists(atPath: absolute) {
                diagnostics.error(mark, "include", "no such file: \(absolute)")
                return []
            }
            return [absolute]
        }
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(absolute, 0, nil, &matches) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(matches.gl_pathc) {
            if let path = matches.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        return paths.sorted()
    }

    /// Why a file could not be read, in the operating system's words.
    struct ReadFailure: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ path: String) throws(ReadFailure) -> String {
        var status = stat()
        if stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            throw ReadFailure(description: "it is a directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = access(path, R_OK) == 0 ? "unreadable" : String(cString: strerror(errno))
            throw ReadFailure(description: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReadFailure(description: "not UTF-8 text")
        }
        return text
    }

    /// The real path, so `a/../b.yaml` and `b.yaml` are one file to the cycle check.
    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
