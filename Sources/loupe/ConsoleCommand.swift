import ArgumentParser
import Foundation
import LoupeConsole
import LoupeEngine
import LoupeModels

/// `loupe console`: the inspection console on a run.
struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Browse scored images with heat maps, tune the threshold, watch training, mark mistakes.",
        discussion: """
        Four views (Tab, or 1–4); ? shows every key of the current view.
          1 browser    ↑↓ select, o image/heat/overlay/mask contour, s sort, / filter, \
        f false positive, n false negative, d confirmed defect, c clear (marks go to review.jsonl at once)
          2 histogram  ←→ move the threshold, = type it, b best F1, p 1 % false positives, \
        g log counts, v stacked/overlaid, s save it to the run (infer uses it)
          3 training   live loss curve (and its terms), lr, images/s, ETA; t starts (or resumes) training, x stops it
          4 review     all marks; e export CSV, r re-fit the threshold without false positives, \
        a add false positives to the good training images
        m cycles the colour map; q quits and restores the terminal (also on Ctrl-C).

        A run without scores is scored in the background (images appear as they are scored); \
        a run that does not exist yet is trained first when --data is given.

        Examples:
          loupe console                      (the newest run in runs/)
          loupe console --run runs/tex
          loupe console --run runs/new --data samples/texture --epochs 10 --size 128
          loupe console --run runs/mff --data samples/texture --method rd-mff --no-transformer
          loupe console --run runs/tex --theme colour-blind-safe
        """
    )

    @Option(name: .customLong("run"), help: ArgumentHelp("Run folder (trained by `loupe train`, or trained here with --data).",
                                                         discussion: "Default: runs/<data folder name> with --data, else the newest run in runs/."),
            completion: .directory)
    var runFolder: String?

    @OptionGroup(title: "Data (default: the data set the run was trained on)")
    var data: DataOptions

    @Option(help: "Theme: default, high-contrast, colour-blind-safe (themes/NAME.toml) or a path to a .toml file.")
    var theme: String?

    @Option(help: "Method, for a run trained from the console: \(MethodRegistry.names.joined(separator: ", ")) (see `loupe train --help`).")
    var method = "rd"

    /// The method's own settings (`--no-transformer`), for a run trained from the console.
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var methodArguments: [String] = []

    @Option(help: "Epochs, for a run trained from the console.")
    var epochs = 20

    @Option(help: "Square input size, for a run trained from the console.")
    var size = 192

    @Flag(help: "Plain characters, no colour (for terminals without colour).")
    var ascii = false

    @Flag(help: "After quitting, print how long frames took to draw and send (median, 99th percentile, slowest).")
    var frameTimes = false

    func validate() throws {
        guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
        try InputSize.validate(size)
        _ = try methodSettings()
    }

    func methodSettings() throws -> [String: SettingValue] {
        do {
            return try MethodOptions.parse(methodArguments, for: MethodRegistry.method(named: method))
        } catch let error as MethodError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        guard isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 else {
            throw ValidationError("the console needs a terminal (stdin and stdout); headless, use `loupe train`, `eval` and `infer`")
        }
        var configuration = TrainingConfiguration()
        configuration.method = method
        configuration.settings = try methodSettings()
        configuration.epochs = epochs
        configuration.imageSize = size
        let chosen = try theme.map(Theme.named) ?? .standard
        let console = try Console(run: RunFolder(try chosenRun()), data: try data.source(), theme: chosen, newRunConfiguration: configuration)
        try console.runInTerminal(forceASCII: ascii)
        if frameTimes {
            let times = console.frameMilliseconds.sorted()
            guard !times.isEmpty else { return }
            print(String(format: "%d frames: median %.2f ms, 99th percentile %.2f ms, slowest %.2f ms (budget 50 ms)", times.count,
                         times[times.count / 2], times[min(times.count - 1, times.count * 99 / 100)], times[times.count - 1]))
        }
    }

    /// --run, else runs/<name of the data set>, else the most recently trained run in runs/.
    func chosenRun() throws -> String {
        if let runFolder { return runFolder }
        if let source = try data.source() {
            let path: String
            switch source {
            case let .path(given): path = given
            case let .folders(folders): path = folders.good
            }
            let name = (((path as NSString).standardizingPath as NSString).lastPathComponent as NSString).deletingPathExtension
            return "runs/" + (name.isEmpty || name == "/" ? "data" : name)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "runs")) ?? []
        let trained = names.map { "runs/" + $0 }.filter { RunFolder($0).exists }
        func modified(_ folder: String) -> Date {
            ((try? FileManager.default.attributesOfItem(atPath: RunFolder(folder).checkpoint))?[.modificationDate] as? Date) ?? .distantPast
        }
        guard let newest = trained.max(by: { modified($0) < modified($1) }) else {
            throw ValidationError("no trained run in runs/: pass --run RUN, or --data DIR to train one in the console")
        }
        return newest
    }
}
