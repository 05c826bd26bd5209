import Logging
import ServiceLifecycle

/// The agent as a `Service`: starts in `run()` (unless already started, as the CLI does to report a bind error
/// before running the group), stops on graceful shutdown (SIGTERM / SIGINT via the group).
public struct AgentService: Service {
    public let agent: Agent

    public init(agent: Agent) { self.agent = agent }

    public func run() async throws {
        if agent.endpoints == nil { try agent.start() }
        await withGracefulShutdownHandler {
            await agent.waitUntilStopped()
        } onGracefulShutdown: {
            agent.stop()
        }
    }
}
