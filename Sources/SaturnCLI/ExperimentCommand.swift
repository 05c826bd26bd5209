import ArgumentParser
import Foundation
import SaturnAgent
import SaturnModel

/// `saturn experiment`: measurements that need the agent in the loop.
struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Experiments through the real agent code path.",
        subcommands: [AdaptExperimentCommand.self])
}

/// `saturn experiment adapt`: an environment switch replayed through a live agent, per adaptation path.
struct AdaptExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt",
        abstract: "Replay a switch from one step table to another through a live agent and measure adaptation.",
        discussion: """
            Each trial starts a fresh agent on loopback; a worker publishes --stable steps drawn from --from (rows \
            resampled, latency times 1 + noise*N(0,1)), then --switched steps drawn from --to; a router asks the \
            agent to predict every step before it is published. Reported per adaptation path (both, updater, \
            refit): observations after the switch until the rolling mean relative error over 50 predictions is \
            back under 10%, the post-switch error, the cold-start error over the first 100 predictions of the new \
            key, update cost from the agent's candidate records, and parameter variance over the stable stretch. \
            The static row is a relative-loss fit of the whole --from table predicting the post-switch steps.
            """)

    @Option(help: "Step table before the switch (CSV with B, S, T_ms).")
    var from: String

    @Option(help: "Step table after the switch.")
    var to: String

    @Option(help: "Seeded trials per path.")
    var trials = 10

    @Option(help: "Seed of the first trial (trial i uses seed + i).")
    var seed: UInt64 = 1

    @Option(help: "Steps before the switch.")
    var stable = 1_500

    @Option(help: "Steps after the switch.")
    var switched = 1_500

    @Option(help: "Multiplicative latency noise (standard deviation).")
    var noise = 0.02

    @Option(help: "Steps per second published (and predicted).")
    var rate = 1_000.0

    @Option(
        name: .customLong("path"),
        help: ArgumentHelp("Adaptation paths to run (repeatable): both, updater, refit.", valueName: "PATH"))
    var paths: [String] = ["both", "updater", "refit"]

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    @OptionGroup var table: TableOptions

    func validate() throws {
        guard (1...1000).contains(trials) else { throw ValidationError("--trials must be in 1...1000") }
        guard stable >= 200, switched >= 100 else { throw ValidationError("--stable >= 200 and --switched >= 100") }
        guard noise >= 0 && noise < 0.5 else { throw ValidationError("--noise must be in [0, 0.5)") }
        guard rate >= 10 && rate <= 100_000 else { throw ValidationError("--rate must be in 10...100000") }
        for p in paths where AgentConfiguration.AdaptationPaths(rawValue: p) == nil {
            throw ValidationError("--path takes both, updater or refit, got '\(p)'")
        }
    }

    func run() async throws {
        let from = try table.load(self.from)
        let to = try table.load(self.to)
        let fromRows = table.filter.apply(to: from).kept
        let toRows = table.filter.apply(to: to).kept
        guard fromRows.count >= LatencyFitter.minimumRows, !toRows.isEmpty else {
            throw CLIError("--from needs at least \(LatencyFitter.minimumRows) usable rows and --to at least one")
        }
        // The static model: fitted once on the whole first table, never updated.
        let staticFit = try LatencyFitter.fit(fromRows, configuration: FitConfiguration(objective: .relative))

        var figures: [(String, AdaptationFigures)] = []
        var staticErrors: [Double] = []
        for name in paths {
            let paths = AgentConfiguration.AdaptationPaths(rawValue: name)!
            let experiment = AdaptationExperiment(
                from: fromRows.observations, to: toRows.observations, stable: stable, switched: switched, noise: noise,
                rate: rate, paths: paths)
            var trials: [AdaptationExperiment.Trial] = []
            for i in 0..<self.trials {
                let trialSeed = seed &+ UInt64(i)
                FileHandle.standardError.write(Data("experiment adapt: path \(name), trial \(i + 1)/\(self.trials)\n".utf8))
                trials.append(try await experiment.run(seed: trialSeed))
                if staticErrors.count < self.trials * switched {
                    for step in experiment.stream(seed: trialSeed).suffix(switched) {
                        let p = staticFit.parameters.latency(batchSize: step.batchSize, tokens: step.tokens)
                        staticErrors.append(abs(p - step.latencyMs) / step.latencyMs)
                    }
                }
            }
            figures.append((name, AdaptationFigures(trials, stable: stable)))
        }
        let staticMape = staticErrors.reduce(0, +) / Double(max(1, staticErrors.count))
        if json {
            try printJSON(figures, staticMape: staticMape)
        } else {
            printTable(figures, staticMape: staticMape)
        }
    }

    private func printJSON(_ figures: [(String, AdaptationFigures)], staticMape: Double) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var object: [String: Any] = [
            "static_post_switch_mape": staticMape, "trials": trials, "stable": stable, "switched": switched,
            "noise": noise, "rate": rate, "from": from, "to": to,
        ]
        var perPath: [String: Any] = [:]
        for (name, f) in figures {
            let dictionary = try JSONSerialization.jsonObject(with: try encoder.encode(f)) as! [String: Any]
            perPath[name] = dictionary
        }
        object["paths"] = perPath
        // The top level carries the default path's figures ("both" when it ran, else the first path run).
        if let main = figures.first(where: { $0.0 == "both" }) ?? figures.first {
            object["default_path"] = main.0
            for (k, v) in perPath[main.0] as! [String: Any] { object[k] = v }
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }

    private func printTable(_ figures: [(String, AdaptationFigures)], staticMape: Double) {
        print("adaptation after a switch from \(from) to \(to): \(trials) trials, \(stable) + \(switched) steps, "
            + "noise \(noise), \(Int(rate)) steps/s")
        print("| path | recovery obs (mean ± sd) | not recovered | post-switch MAPE | pre-switch MAPE | cold start (first 100) | update wall ms mean / p99 | update CPU ms mean / p99 | accepted / rejected | parameter variance |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for (name, f) in figures {
            print(String(
                format: "| %@ | %.0f ± %.0f | %d | %.2f%% | %.2f%% | %.2f%% | %.2f / %.2f | %.2f / %.2f | %d / %d | %.2e |",
                name as NSString, f.recoveryObservationsMean, f.recoveryObservationsStd, f.trialsNotRecovered,
                f.adaptivePostSwitchMape * 100, f.preSwitchMape * 100, f.coldStartMapeFirst100 * 100, f.updateMsMean,
                f.updateMsP99, f.updateCpuMsMean, f.updateCpuMsP99, f.updatesAccepted, f.updatesRejected, f.parameterVarianceStable))
        }
        print(String(format: "| static (fit of --from, never updated) | | | %.2f%% | | | | | | |", staticMape * 100))
    }
}
