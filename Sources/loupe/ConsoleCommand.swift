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

        Without --run (or with --runs DIR) the console opens on the Runs view: every run in \
        the folder with its method, teacher, input, epochs, state, threshold and metrics. \
        ←→ sort by a column, r reverse, Enter open a run (0 comes back), space marks A and B, \
        a opens them side by side (both maps, scores and verdicts; s sorts by how differently \
        they rank an image, / filters to where their verdicts disagree).

        A run without scores is scored in the background (images appear as they are scored); \
        a run that does not exist yet is trained first when --data is given.

        Examples:
          loupe console                      (the Runs view over runs/)
          loupe console --runs experiments/  (the Runs view over another folder)
          loupe console --run runs/tex
          loupe console --run runs/new --data samples/texture --epochs 10 --size 128
          loupe console --run runs/mff --data samples/texture --method rd-mff --no-transformer
          loupe console --run runs/tex --theme colour-blind-safe
        """
    )

    @Option(name: .customLong("run"), help: ArgumentHelp("Run folder (trained by `loupe train`, or trained here with --data).",
                                                         discussion: "Default: runs/<data folder name> with --data; without either, the Runs view (--runs)."),
            completion: .directory)
    var runFolder: String?

    @Option(help: ArgumentHelp("Folder of runs for the Runs view (default runs/ when neither --run nor --data is given).",
                               discussion: "Pick a run to open, or two to compare side by side."), completion: .directory)
    var runs: String?

    @OptionGroup(title: "Data (default: the data set the run was trained on)")
    var data: DataOptions

    @Option(help: "Theme: default, high-contrast, colour-blind-safe (themes/NAME.toml) or a path to a .toml file.")
    var theme: String?

    @OptionGroup(title: "Training (a run trained from the console; the same settings as `loupe train`)")
    var training: TrainingOptions

    @OptionGroup(title: "Method (when it trains)")
    var choice: MethodChoiceOptions

    @Option(help: ArgumentHelp("ROI run: a run trained here crops every frame to its part first (see `loupe roi`).",
                               discussion: "For a run trained with --roi, the recorded ROI run is used; give it here if it moved."),
            completion: .directory)
    var roi: String?

    @Flag(help: ArgumentHelp("Plain characters, no colour (for terminals without colour).",
                             discussion: "Also when NO_COLOR is set to anything (no-color.org)."))
    var ascii = false

    /// `--ascii`, or the NO_COLOR convention (set and not empty).
    var monochrome: Bool { ascii || !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty }

    @Flag(help: "After quitting, print how long frames took to draw and send (median, 99th percentile, slowest).")
    var frameTimes = false


    func validate() throws {
        _ = try training.configuration(choice: choice)
    }

    func run() throws {
        // A theme file's mistake is the user's to fix, terminal or not: said first.
        let chosen = try theme.map(Theme.named) ?? .standard
        guard isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 else {
            throw ValidationError("the console needs a terminal (stdin and stdout); headless, use `loupe train`, `eval` and `infer`")
        }
        let configuration = try training.configuration(choice: choice)
        let times: [Double]
        let source = try data.source()
        if runFolder == nil, runs != nil || source == nil {
            let directory = runs ?? "runs"
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("\(directory): no such folder of runs; pass --runs DIR, --run RUN, or --data DIR to train one in the console")
            }
            let session = ConsoleSession(directory: directory, theme: chosen)
            try session.runInTerminal(forceASCII: monochrome)
            times = session.frameTimes.wall
        } else {
            let console = try Console(run: RunFolder(try chosenRun()), data: try data.source(), theme: chosen, newRunConfiguration: configuration, regionRun: roi)
            try console.runInTerminal(forceASCII: monochrome)
            times = console.frameTimes.wall
        }
        if frameTimes, let summary = LatencySummary(milliseconds: times) {
            print(String(format: "%d frames: median %.2f ms, 99th percentile %.2f ms, slowest %.2f ms (budget 50 ms)", summary.count,
                         summary.median, summary.percentile99, summary.slowest))
        }
    }

    /// --run, else runs/<name of the data set>.
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
        throw ValidationError("no run chosen: pass --run RUN, --runs DIR, or --data DIR to train one in the console")
    }
}
