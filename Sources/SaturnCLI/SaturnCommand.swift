import ArgumentParser

/// The `saturn` command line.
@main
struct SaturnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saturn",
        abstract: "Fit and serve a throughput-saturation latency model for LLM inference steps.",
        subcommands: [
            DemoCommand.self, AgentCommand.self, ForwarderCommand.self, FitCommand.self, EvalCommand.self, BenchCommand.self,
            BenchBusCommand.self, ExperimentCommand.self, PlanCommand.self, SimulateCommand.self,
            KeygenCommand.self,
        ]
    )
}

/// A failure reported to the user as one line, with a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
