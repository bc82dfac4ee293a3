import Foundation
import PandaConfig
@testable import PandaServer
import Testing
import TestSupport

/// Job creation against one user who would fill the database: a rate per
/// user (`server.limits.jobs_per_minute`) answered with 429 and
/// Retry-After, and a server-wide budget of jobs made in memory at once
/// (`server.limits.jobs_in_creation`).
@Suite("job creation: per-user rate and in-memory budget")
struct JobCreationLimitTests {
    @Test("past jobs_per_minute a user's job/submit and task/submit get 429 with Retry-After; other users are not held back")
    func perUserRate() async throws {
        try await Self.rate(database: "sqlite:state/panda.db")
    }

    @Test("the same on PostgreSQL", .enabled(if: PostgresTestServer.isEnabled, "PANDA_TEST_POSTGRES=off"))
    func perUserRatePostgres() async throws {
        try await Self.rate(database: try ServerProcess.postgresDatabase())
    }

    static func rate(database: String) async throws {
        // One job a minute: the bucket refills so slowly that however long a
        // loaded machine takes between these requests, the second is over.
        let server = try ServerProcess(server: "limits: { jobs_per_minute: 1 }", database: database)
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let bob = try server.token("bob", scope: "submit")
        let reader = try server.token("reader", scope: "read")
        let sixty = ["jobs": (0..<60).map { jobJSON("j\($0)", queue: "Q1") }]
        #expect(try await server.post("/api/v1/job/submit", token: alice, json: ["jobs": [jobJSON("first", queue: "Q1")]]).status == 200)
        let refused = try await server.post("/api/v1/job/submit", token: alice, json: sixty)
        #expect(refused.status == 429, "\(refused.status) \(refused.message)")
        #expect(refused.message.contains("server.limits.jobs_per_minute"), "\(refused.message)")
        let wait = Int(refused.headers["retry-after"] ?? "") ?? 0
        #expect(wait >= 1 && wait <= 60, "Retry-After: \(refused.headers["retry-after"] ?? "none")")
        let task: [String: Any] = ["task": ["n_jobs": 60, "payload": ["executable": "/bin/true"]]]
        let refusedTask = try await server.post("/api/v1/task/submit", token: alice, json: task)
        #expect(refusedTask.status == 429, "\(refusedTask.status) \(refusedTask.message)")
        #expect(refusedTask.headers["retry-after"] != nil)
        #expect(try await server.post("/api/v1/job/submit", token: bob, json: sixty).status == 200, "bob has his own rate")
        // Nothing was made for the refused requests.
        let listed = try await server.get("/api/v1/jobs?owner=alice&limit=1000", token: reader)
        let jobs = ((listed.data as? [String: Any])?["jobs"] as? [Any])?.count
        #expect(jobs == 1, "\(listed.status) \(listed.message)")
    }

    @Test("a request that does not fit the jobs_in_creation budget while another holds it gets 429, and fits once it is released")
    func inMemoryBudget() async throws {
        let directory = NSTemporaryDirectory() + "panda-limits-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "server: { limits: { jobs_per_task: 100, jobs_per_request: 100, jobs_in_creation: 150 } }\n"
            .write(toFile: directory + "/panda.yaml", atomically: true, encoding: .utf8)
        let limits = try ConfigLoader(environment: [:]).load(path: directory + "/panda.yaml").configuration.server.limits
        #expect(limits.jobsInCreation == 150)
        let creation = JobCreationLimit()
        let inner: Int = try await creation.making(100, limits: limits) {
            // 100 are being made: another 100 do not fit, 50 do.
            do {
                _ = try await creation.making(100, limits: limits) { 0 }
                Issue.record("a second request past the budget was let through")
            } catch let error as APIError {
                #expect(error.status.code == 429 && error.headers[.retryAfter] != nil)
                #expect(error.message.contains("server.limits.jobs_in_creation"))
            }
            return try await creation.making(50, limits: limits) { 50 }
        }
        #expect(inner == 50)
        #expect(try await creation.making(100, limits: limits) { 100 } == 100, "the budget is given back after each request")
    }

    @Test("jobs_in_creation below jobs_per_task is a configuration error with its place")
    func budgetBelowLargestRequest() throws {
        let directory = NSTemporaryDirectory() + "panda-limits-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "server:\n  limits: { jobs_per_task: 1000, jobs_in_creation: 10 }\n".write(toFile: directory + "/panda.yaml", atomically: true, encoding: .utf8)
        let check = try PandaProcess.run(["config", "check", "-c", directory + "/panda.yaml"])
        #expect(check.status != 0)
        #expect((check.stdout + check.stderr).contains("panda.yaml:2:"), "\(check.stdout)\(check.stderr)")
        #expect((check.stdout + check.stderr).contains("jobs_in_creation"))
    }
}
