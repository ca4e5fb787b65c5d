import ArgumentParser
import Foundation
import LoupeData

/// `loupe data …`: look at a data set before training on it.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect data sets.",
        subcommands: [DataCheck.self]
    )
}

/// `loupe data check PATH`: layout, counts, formats, sizes and every file that would trouble training.
struct DataCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a data set: layout, counts per split and kind, file formats, image sizes, missing masks, unreadable and skipped files.",
        discussion: """
        Every image and mask is decoded, so a corrupt file is found now rather than in the \
        middle of training. Files that are not images (a .gif, a zero-byte file) are named as \
        skipped. Exits 1 when training could not use the data (no training images, or \
        unreadable files).

        Examples:
          loupe data check samples/pcb
          loupe data check VisA/candle
          loupe data check --good line3/ok --defect line3/ng --masks line3/labels --mask-pattern '{stem}_gt.png'

        \(DataOptions.layouts)
        """
    )

    @Argument(help: "A data set path (as --data).", completion: .file())
    var path: String?

    @OptionGroup(title: "Data")
    var data: DataOptions

    @Flag(help: "List every distinct image size (default: a one-line summary when there are more than three).")
    var verbose = false

    @OptionGroup(title: "Output")
    var progress: ProgressOptions

    func validate() throws {
        let named = try data.source()
        if path != nil && named != nil { throw ValidationError("give a data set PATH, or --data/--good, not both") }
        if path == nil && named == nil { throw ValidationError("give a data set PATH, or --good (and --defect) for plain folders") }
    }

    func run() throws {
        guard let source = try path.map(DatasetSource.path) ?? data.source() else { throw ValidationError("no data set given") }
        progress.apply()
        let dataset = try source.open()
        let bar = ProgressBar(label: "decoding", total: dataset.samples.count)
        let report = ValidationReport(dataset: dataset) { done, _ in bar.update(done) }
        bar.finish()
        print(report.text(verbose: verbose))
        if !report.isUsable { throw ExitCode(1) }
    }
}
