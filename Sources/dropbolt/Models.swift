import ArgumentParser
import AsyncHTTPClient
import DropboltCore
import DropboltEngine
import DropboltSats4AI
import Foundation

/// `dropbolt models`: the provider's free model list.
struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the provider's models and prices (free call).")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print the provider's JSON as it is.")
    var json = false

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let client = Sats4AIClient(
            baseURL: configuration.provider.url, httpClient: HTTPClient.shared,
            timeout: .seconds(configuration.provider.timeoutSeconds))
        let reply: ProviderReply
        do {
            reply = try await client.get(.models)
        } catch {
            printError("dropbolt: \(error)")
            throw ExitCode(1)
        }
        guard reply.status == 200 else {
            printError("dropbolt: \(client.url(of: .models)) answered HTTP \(reply.status)")
            throw ExitCode(1)
        }
        if json {
            print(String(decoding: reply.body, as: UTF8.self))
            return
        }
        let object = try? JSONSerialization.jsonObject(with: Data(reply.body))
        let list = (object as? [[String: Any]]) ?? ((object as? [String: Any])?["models"] as? [[String: Any]]) ?? []
        if list.isEmpty { print(String(decoding: reply.body, as: UTF8.self)) }
        for model in list {
            let fields = ["id", "name", "service", "price_sats", "price"].compactMap { key in model[key].map { "\(key)=\($0)" } }
            print(fields.joined(separator: "  "))
        }
    }
}
