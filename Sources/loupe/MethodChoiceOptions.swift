import ArgumentParser
import LoupeModels

/// What one run trains: `--method`, the method's own settings (`--heads 8`,
/// `--no-transformer`) and `--seed`. `train` and `console` take them; `compare` varies them
/// (`--methods`, `--seeds`) and takes only the settings its runs share (`TrainingOptions`).
struct MethodChoiceOptions: ParsableArguments {
    @Option(help: "Method: \(MethodRegistry.names.joined(separator: ", ")) (default \(TrainingOptions.defaults.method); `loupe train --help` lists their settings).")
    var method: String?

    @Option(help: "Random seed: the same seed gives the same model (default \(TrainingOptions.defaults.seed)).")
    var seed: UInt64?

    /// The method's own settings (`--heads 8`, `--no-transformer`).
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var methodArguments: [String] = []
}
