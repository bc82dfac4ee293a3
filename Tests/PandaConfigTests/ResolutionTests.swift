import PandaCore
import Testing
@testable import PandaConfig

@Suite("resolving queues, templates, includes and the environment")
struct ResolutionTests {
    static let catalogue = """
        templates:
          base:
            maxtime: 48h
            maxrss: 2GB
            batch: { system: slurm, partition: long, args: [ --exclusive ] }
          grid:
            extends: base
            corecount: 8
            pilots: { max: 300 }
        sites:
          S:
            queues:
              Q:
                extends: grid
                maxrss: 16GB
                batch: { partition: short }
        """

    @Test("a queue takes its own keys first, then its templates', then defaults")
    func layering() throws {
        let loaded = try load(yaml: Self.catalogue)
        let queue = try #require(loaded.configuration.queue(named: "Q"))
        #expect(queue.maxrss == .gigabytes(16))
        #expect(queue.corecount == 8)
        #expect(queue.maxtime == .hours(48))
        #expect(queue.heartbeat == .minutes(30))
        #expect(queue.pilots.max == 300)
        #expect(queue.pilots.queued == 10)
        #expect(queue.pilots.walltime == .hours(49))
    }

    @Test("nested sections merge key by key across the chain")
    func nestedMerge() throws {
        let queue = try #require(try load(yaml: Self.catalogue).configuration.queue(named: "Q"))
        let batch = try #require(queue.batch)
        #expect(batch.system == .slurm)
        #expect(batch.partition == "short")
        #expect(batch.args == ["--exclusive"])
    }

    @Test("origins name the file and place, the template, or the default")
    func origins() throws {
        let loaded = try load(yaml: Self.catalogue)
        let base = "sites.S.queues.Q"
        guard case .file(let mark) = loaded.origin(of: "\(base).maxrss") else {
            Issue.record("maxrss should come from the queue's own mapping")
            return
        }
        #expect(mark.line == 15)
        guard case .template(let name, let templateMark) = loaded.origin(of: "\(base).maxtime") else {
            Issue.record("maxtime should come from a template")
            return
        }
        #expect(name == "base")
        #expect(templateMark.line == 3)
        #expect(loaded.origin(of: "\(base).heartbeat") == .default)
        if case .template(let name, _) = loaded.origin(of: "\(base).corecount") { #expect(name == "grid") }
    }

    @Test("includes are read in sorted order relative to the including file, and paths resolve next to their file")
    func includes() throws {
        let scratch = try ScratchDirectory([
            "etc/panda.yaml": "include: [ 'queues.d/*.yaml' ]\nserver: { signing_key: keys/signing.key }\n",
            "etc/queues.d/b.yaml": "sites: { B: { queues: { QB: {} } } }\n",
            "etc/queues.d/a.yaml": "sites: { A: { queues: { QA: {} } } }\n",
            "etc/queues.d/notes.txt": "not yaml: [\n",
        ])
        defer { scratch.cleanUp() }
        let loaded = try load(scratch.path("etc/panda.yaml"))
        #expect(loaded.files.map { ($0 as NSString).lastPathComponent } == ["panda.yaml", "a.yaml", "b.yaml"])
        #expect(loaded.configuration.queues.map(\.name) == ["QA", "QB"])
        #expect(loaded.configuration.server.signingKey == scratch.path("etc/keys/signing.key"))
    }

    @Test("${VAR} and ${VAR:-default} expand before values are typed; $$ is a dollar")
    func environment() throws {
        let loaded = try load(yaml: """
            server:
              listen: ${PANDA_TEST_LISTEN:-127.0.0.1:9999}
              signing_key: ${HOME}/key$$1
            sites:
              S:
                queues:
                  Q: { maxrss: "${PANDA_TEST_SIZE}", maxtime: "${PANDA_TEST_EMPTY:-3h}" }
            """, environment: testEnvironment.merging(["PANDA_TEST_EMPTY": ""]) { $1 })
        #expect(loaded.configuration.server.listen == ListenAddress(host: "127.0.0.1", port: 9999))
        #expect(loaded.configuration.server.signingKey == "/home/tester/key$1")
        let queue = try #require(loaded.configuration.queue(named: "Q"))
        #expect(queue.maxrss == .gigabytes(4))
        #expect(queue.maxtime == .hours(3))
    }

    @Test("anchors in x- keys and merge keys feed queues")
    func anchors() throws {
        let loaded = try load(yaml: """
            x-big: &big { corecount: 16, maxrss: 32GB }
            sites:
              S:
                queues:
                  Q: { <<: *big, maxrss: 64GB }
            """)
        let queue = try #require(loaded.configuration.queue(named: "Q"))
        #expect(queue.corecount == 16)
        #expect(queue.maxrss == .gigabytes(64))
    }

    @Test("an empty configuration file is valid and all defaults")
    func emptyFile() throws {
        let loaded = try load(yaml: "")
        #expect(loaded.configuration.server.listen.description == "127.0.0.1:25443")
        #expect(loaded.configuration.server.database == .sqlite(path: "/var/lib/panda/panda.db"))
        #expect(loaded.configuration.queues.isEmpty)
    }

    @Test("a relative sqlite path is taken next to the configuration file")
    func relativeDatabase() throws {
        let scratch = try ScratchDirectory(["conf/panda.yaml": "server: { database: 'sqlite:state/panda.db' }\n"])
        defer { scratch.cleanUp() }
        let loaded = try load(scratch.path("conf/panda.yaml"))
        #expect(loaded.configuration.server.database == .sqlite(path: scratch.path("conf/state/panda.db")))
    }

    @Test("the main file that cannot be read is its own error, not a diagnostic")
    func unreadable() {
        #expect(problems(loading: "/nonexistent/panda.yaml") == ["unreadable /nonexistent/panda.yaml: No such file or directory"])
    }
}

import Foundation
