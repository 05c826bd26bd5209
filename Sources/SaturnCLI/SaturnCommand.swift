import ArgumentParser

@main
struct SaturnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "saturn", abstract: "Saturn")
}
