import Foundation
import PandaCore
import Testing
@testable import PandaStore

/// The store's own checks, made in the transaction that writes: what a
/// finishing job registers, in whose dataset, and which task a job joins.
@Suite("store: outputs, datasets and tasks are checked where they are written")
struct CatalogueOwnershipTests {
    let now = 1_800_000_000.0

    static func writer(_ dataset: String, owner: String = "alice") -> NewJob {
        var job = StoreFixture.job("w", owner: owner)
        job.spec.outputDataset = dataset
        job.spec.outputs = [OutputFile(lfn: "out.txt", scope: "user.\(owner)", destination: "SE")]
        return job
    }

    static func stored(_ lfn: String = "out.txt", scope: String? = "user.alice", storage: String = "SE", checksum: String = "ad:00000005") -> StoredFile {
        StoredFile(lfn: lfn, size: 5, checksum: checksum, url: "https://se/\(scope ?? "")/\(lfn)", storage: storage, scope: scope)
    }

    /// Claims the one activated job and reports it finished with `outputs`: the store's refusal, if any.
    func finish(_ fixture: StoreFixture, outputs: [StoredFile]) async throws -> StoreError? {
        let claimed = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now + 1).first)
        do {
            _ = try await fixture.store.update(JobUpdate(jobID: claimed.id, attempt: 1, lease: claimed.lease, state: .finished,
                                                         exitCode: 0, outputs: outputs), now: now + 2)
            return nil
        } catch {
            return error
        }
    }

    @Test("a finished job registers only what it declared, in the scope and at the destination it declared", arguments: StoreBackend.all)
    func declaredOnly(_ backend: StoreBackend) async throws {
        for (outputs, message) in [
            ([Self.stored("other.txt")], "did not declare an output other.txt"),
            ([Self.stored(scope: "user.bob")], "declared out.txt in scope user.alice, not user.bob"),
            ([Self.stored(storage: "SE2")], "declared out.txt for SE, not SE2"),
        ] {
            let fixture = try await StoreFixture(backend)
            _ = try await fixture.store.submit([Self.writer("user.alice.out")], now: now)
            let refusal = try await finish(fixture, outputs: outputs)
            #expect(refusal.map { "\($0)".contains(message) } == true, "\(String(describing: refusal))")
            #expect(try await fixture.store.dataset(named: "user.alice.out") == nil, "\(message): nothing registered")
            await fixture.close()
        }
    }

    @Test("a dataset made by someone else between submission and finish is not extended: 403 in the finishing transaction", arguments: StoreBackend.all)
    func datasetOwnedAtFinish(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([Self.writer("user.alice.out")], now: now)
        let bobs = DatasetFile(scope: "user.bob", lfn: "b.txt", size: 1, checksum: nil, replicas: [Replica(storage: "SE", url: "https://se/b")])
        _ = try await fixture.store.addFiles(AddFilesRequest(dataset: "user.alice.out", files: [bobs]), owner: "bob", now: now)
        let before = try await fixture.store.dataset(named: "user.alice.out")
        #expect(try await finish(fixture, outputs: [Self.stored()]) == .forbidden("dataset user.alice.out belongs to bob"))
        #expect(try await fixture.store.dataset(named: "user.alice.out") == before)
        await fixture.close()
    }

    @Test("a job's output never changes a registered file: 409", arguments: StoreBackend.all)
    func registeredFileUnchanged(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let existing = DatasetFile(scope: "user.alice", lfn: "out.txt", size: 5, checksum: "ad:00000001", replicas: [Replica(storage: "SE", url: "https://se/a")])
        _ = try await fixture.store.addFiles(AddFilesRequest(dataset: "user.alice.raw", files: [existing]), owner: "alice", now: now)
        _ = try await fixture.store.submit([Self.writer("user.alice.out")], now: now)
        let refusal = try await finish(fixture, outputs: [Self.stored(checksum: "ad:00000005")])
        #expect(refusal.map { "\($0)".contains("a registered file never changes") } == true, "\(String(describing: refusal))")
        #expect(try await fixture.store.dataset(named: "user.alice.raw")?.files == [existing])
        #expect(try await fixture.store.registeredFiles(among: [CatalogueFileName(scope: "user.alice", lfn: "out.txt"),
                                                                CatalogueFileName(scope: "user.alice", lfn: "new.txt")])
                == [RegisteredFile(scope: "user.alice", lfn: "out.txt", size: 5, checksum: "ad:00000001")])
        await fixture.close()
    }

    @Test("a finished job's outputs are registered though it has no dataset, so their names are held", arguments: StoreBackend.all)
    func registeredWithoutDataset(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        var job = Self.writer("unused")
        job.spec.outputDataset = nil
        _ = try await fixture.store.submit([job], now: now)
        let refusal = try await finish(fixture, outputs: [Self.stored()])
        #expect(refusal == nil, "\(String(describing: refusal))")
        #expect(try await fixture.store.registeredFiles(among: [CatalogueFileName(scope: "user.alice", lfn: "out.txt")])
                == [RegisteredFile(scope: "user.alice", lfn: "out.txt", size: 5, checksum: "ad:00000005")])
        #expect(try await fixture.store.datasets().isEmpty, "no dataset made for it")
        await fixture.close()
    }

    @Test("a job joins only a task of its own submitter; nothing of the batch is stored otherwise", arguments: StoreBackend.all)
    func tasksOwned(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let task = try await fixture.store.submitTask(NewTask(spec: TaskSpec(payload: Payload(executable: "/bin/true")), owner: "bob"),
                                                      jobs: [StoreFixture.job(owner: "bob")], now: now)
        var intruder = StoreFixture.job(owner: "alice")
        intruder.spec.taskID = task
        await #expect(throws: StoreError.forbidden("task \(task) does not exist or is not yours; a job joins only a task its submitter owns")) {
            _ = try await fixture.store.submit([StoreFixture.job(owner: "alice"), intruder], now: now)
        }
        intruder.spec.taskID = task + 1
        await #expect(throws: StoreError.self) { _ = try await fixture.store.submit([intruder], now: now) }
        #expect(try await fixture.store.summary().count(queue: "Q", state: .activated) == 1, "only bob's job")
        var own = StoreFixture.job(owner: "bob")
        own.spec.taskID = task
        _ = try await fixture.store.submit([own], now: now)
        #expect(try await fixture.store.taskStatus(task, owner: "bob")?.count(.activated) == 2)
        await fixture.close()
    }
}
