import Foundation
import SaturnAgent

/// The agent's JSON configuration file: any bytes give a configuration or an error, never a crash; a configuration
/// that loads can be checked for problems (what `Agent.init` does before binding anything).
enum ConfigurationHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let c = try? AgentConfiguration(json: Data(input)) else { return }
        _ = c.problems
    }
}
