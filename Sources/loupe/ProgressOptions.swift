import ArgumentParser

/// `--quiet`, shared by every command that reports progress: batch jobs and scripts that
/// want only results and errors on their streams.
struct ProgressOptions: ParsableArguments {
    @Flag(help: ArgumentHelp("No progress: neither the bar (on a terminal) nor the plain progress lines (in a log), nor per-epoch lines.",
                             discussion: "Results, warnings and errors still print."))
    var quiet = false

    /// Silences every progress report of this process; call before the work starts.
    func apply() {
        if quiet { ProgressBar.silenced = true }
    }
}
