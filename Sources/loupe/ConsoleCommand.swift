import ArgumentParser
import LoupeConsole
import LoupeEngine

/// `loupe console`: the inspection console on a run.
struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Browse a run's scored images with heat maps, tune the threshold, mark mistakes.",
        discussion: """
        Needs a run that `loupe eval` has scored. Browser: ↑↓ select, o image/heat/overlay, \
        f false positive, n false negative, d confirmed defect, c clear (marks go to \
        review.jsonl at once). Tab: histogram of good and defect scores; ←→ move the \
        threshold, b best F1, p 1 % false positives, s save the threshold to the run (infer uses it). \
        q quits and restores the terminal.

        Example:
          loupe console --run runs/tex
        """
    )

    @Option(name: .customLong("run"), help: "Run folder written by `loupe train` and scored by `loupe eval`.", completion: .directory)
    var runFolder: String

    @Flag(help: "Plain characters, no colour (for terminals without colour).")
    var ascii = false

    func run() throws {
        try Console(run: RunFolder(runFolder)).runInTerminal(forceASCII: ascii)
    }
}
