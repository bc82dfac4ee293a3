/// Turns the loaded documents into one `PandaConfiguration`: the main file's
/// role sections, and the templates and sites of every file.
struct ConfigurationBuilder {
    let documents: [ConfigDocument]
    let context: DecodeContext

    /// Sections only the main file may hold; sites and templates may come
    /// from included files too.
    static let roleSections = ["server", "factory", "pilot", "monitor"]

    private typealias NamedNode = (name: String, key: YAMLNode, value: YAMLNode, path: String)

    func build() -> PandaConfiguration {
        var templates = TemplateCatalogue(context: context)
        var siteNodes: [NamedNode] = []
        var roles: PandaConfiguration?

        for document in documents {
            guard let root = ConfigReader(document.root, path: "", context: context) else { continue }
            root.accept("include")
            // Top-level keys starting with x- hold anchors for the rest of
            // the file to refer to (as in docker compose), and nothing else.
            root.accept(contentsOf: document.root.mapping?.compactMap(\.name).filter { $0.hasPrefix("x-") } ?? [])
            if document.isMain {
                roles = PandaConfiguration(
                    server: ServerConfig(reading: root.section("server")),
                    factory: FactoryConfig(reading: root.section("factory")),
                    pilot: PilotConfig(reading: root.section("pilot")),
                    monitor: MonitorConfig(reading: root.section("monitor")),
                    sites: [:])
            } else {
                for section in Self.roleSections {
                    guard let written = root.node(section) else { continue }
                    context.diagnostics.error(written.node.mark, section,
                                              "'\(section)' belongs in the main configuration file (\(documents[0].file)), not in an included one")
                }
            }
            for entry in root.section("templates").namedEntries() {
                templates.add(name: entry.name, key: entry.key, node: entry.value, path: entry.path)
            }
            siteNodes += root.section("sites").namedEntries()
            root.finish()
        }

        var configuration = roles ?? Self.defaults(context: context)
        var places = NamePlaces(context: context)
        var usedTemplates: Set<String> = []
        // Assigned once: every assignment of `sites` re-indexes the names.
        var sites: [String: SiteConfig] = [:]
        for site in siteNodes {
            guard places.claim(site.name, kind: "site", at: site.key.mark, path: site.path) else { continue }
            sites[site.name] = buildSite(site, templates: templates, places: &places, usedTemplates: &usedTemplates)
        }
        configuration.sites = sites
        checkUnused(templates, used: usedTemplates)
        return configuration
    }

    private func buildSite(_ site: NamedNode, templates: TemplateCatalogue, places: inout NamePlaces, usedTemplates: inout Set<String>) -> SiteConfig {
        var result = SiteConfig(name: site.name, storage: [:], queues: [:])
        guard let reader = ConfigReader(site.value, path: site.path, context: context) else { return result }
        for entry in reader.section("storage").namedEntries() {
            guard places.claim(entry.name, kind: "storage endpoint", at: entry.key.mark, path: entry.path),
                  let endpoint = ConfigReader(entry.value, path: entry.path, context: context) else { continue }
            result.storage[entry.name] = StorageEndpoint(name: entry.name, site: site.name, reading: endpoint)
        }
        for entry in reader.section("queues").namedEntries() {
            guard places.claim(entry.name, kind: "queue", at: entry.key.mark, path: entry.path) else { continue }
            let (layers, used) = templates.layers(of: entry.value, path: entry.path)
            guard !layers.isEmpty else { continue }
            usedTemplates.formUnion(used)
            let queue = ConfigReader(layers: layers, target: entry.path, context: context)
            result.queues[entry.name] = QueueConfig(name: entry.name, site: site.name, reading: queue)
        }
        reader.finish()
        return result
    }

    /// A template no queue extends is still checked for unknown keys and bad
    /// values, but not for keys it may leave to its queues.
    private func checkUnused(_ templates: TemplateCatalogue, used: Set<String>) {
        context.reportsMissingKeys = false
        defer { context.reportsMissingKeys = true }
        for name in templates.order where !used.contains(name) {
            guard let definition = templates.definitions[name] else { continue }
            let (layers, _) = templates.layers(of: definition.node, path: definition.path, template: name)
            guard !layers.isEmpty else { continue }
            _ = QueueConfig(name: name, site: "", reading: ConfigReader(layers: layers, target: definition.path, context: context))
        }
    }

    /// Every role section at its defaults, for a main file that could not be read as a mapping.
    private static func defaults(context: DecodeContext) -> PandaConfiguration {
        let empty = ConfigReader(layers: [], target: "", context: context)
        return PandaConfiguration(
            server: ServerConfig(reading: empty.section("server")),
            factory: FactoryConfig(reading: empty.section("factory")),
            pilot: PilotConfig(reading: empty.section("pilot")),
            monitor: MonitorConfig(reading: empty.section("monitor")),
            sites: [:])
    }
}

/// Names that must be unique across every file (sites, queues, storage
/// endpoints), with the place each was first defined.
private struct NamePlaces {
    let context: DecodeContext
    private var places: [String: SourceMark] = [:]

    init(context: DecodeContext) {
        self.context = context
    }

    /// Records the name; false (after reporting both places) when it is taken
    /// or malformed.
    mutating func claim(_ name: String, kind: String, at mark: SourceMark, path: String) -> Bool {
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) else {
            context.diagnostics.error(mark, path, "\(kind) name '\(name)' may hold only letters, digits, '_', '-' and '.'")
            return false
        }
        let key = "\(kind)/\(name)"
        if let first = places[key] {
            context.diagnostics.error(mark, path, "duplicate \(kind) '\(name)' (first defined at \(first))")
            return false
        }
        places[key] = mark
        return true
    }
}
