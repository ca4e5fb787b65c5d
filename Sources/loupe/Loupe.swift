import ArgumentParser

/// Loupe: knowledge-distillation anomaly detection for inspection lines.
@main
struct Loupe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loupe",
        abstract: "Train, evaluate and inspect knowledge-distillation anomaly detectors.",
        discussion: """
        Loupe learns what good parts look like from images of good parts only, then scores \
        new images and shows where they differ. Commands arrive as the layers below them land.
        """,
        version: "0.1.0",
        subcommands: [DataCommand.self, Weights.self]
    )
}
