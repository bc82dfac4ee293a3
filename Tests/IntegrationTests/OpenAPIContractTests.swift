import Foundation
import PandaConfig
import PandaServer
import Testing
import TestSupport

/// docs/api/openapi.yaml is the contract: every route the server has is in
/// it, and every path in it is served.
@Suite("the OpenAPI contract")
struct OpenAPIContractTests {
    static func specifiedRoutes() throws -> Set<APIRoutes.Route> {
        let text = try String(contentsOfFile: Repository.path("docs/api/openapi.yaml"), encoding: .utf8)
        let (root, problems) = YAMLParser.parse(text, file: "openapi.yaml")
        #expect(problems.isEmpty, "\(problems)")
        let paths = try #require(root?.mapping?.first { $0.name == "paths" }?.value.mapping)
        var routes: Set<APIRoutes.Route> = []
        for path in paths {
            for operation in path.value.mapping ?? [] {
                routes.insert(APIRoutes.Route(method: operation.name!.uppercased(), path: path.name!))
            }
        }
        return routes
    }

    @Test("the spec and the server's route list agree")
    func sameRoutes() throws {
        let specified = try Self.specifiedRoutes()
        let served = Set(APIRoutes.all)
        #expect(specified.subtracting(served).isEmpty, "in the spec but not served")
        #expect(served.subtracting(specified).isEmpty, "served but not in the spec")
    }

    @Test("every specified route answers on a running server (never 'no such endpoint')")
    func routesAnswer() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let admin = try server.token("ops", scope: "admin")
        for route in try Self.specifiedRoutes() {
            let reply = try await server.send(route.method, route.path, token: admin, body: route.method == "POST" ? Data("{}".utf8) : nil)
            #expect(!reply.message.hasPrefix("no such endpoint"), "\(route.method) \(route.path)")
            #expect(reply.status != 500, "\(route.method) \(route.path): \(reply.message)")
        }
    }
}
