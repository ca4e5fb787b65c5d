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

/// `loupe data check DIR`: counts, sizes and every file that would trouble training.
struct DataCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a data set: counts per split and kind, image sizes, missing masks, unreadable files.",
        discussion: """
        Reads an MVTec AD layout (train/good, test/<kind>, ground_truth/<kind>/<stem>_mask.png) \
        or, with --good, plain folders. Every image and mask is decoded, so a corrupt file is \
        found now rather than in the middle of training. Exits 1 when training could not use \
        the data (no training images, or unreadable files).

        Examples:
          loupe data check samples/pcb
          loupe data check --good line3/ok --defect line3/ng --masks line3/labels --mask-pattern '{stem}_gt.png'
        """
    )

    @Argument(help: "An MVTec-style data set folder.", completion: .directory)
    var folder: String?

    @Option(help: "Folder of good images (plain layout, instead of FOLDER).", completion: .directory)
    var good: String?

    @Option(help: "Folder of defect images (plain layout).", completion: .directory)
    var defect: String?

    @Option(help: "Folder of defect masks (plain layout).", completion: .directory)
    var masks: String?

    @Option(help: "Mask file name for an image; {stem} is the image name without extension.")
    var maskPattern = "{stem}_mask.png"

    func validate() throws {
        if folder == nil && good == nil { throw ValidationError("give a data set FOLDER, or --good (and --defect) for plain folders") }
        if folder != nil && good != nil { throw ValidationError("give either FOLDER or --good, not both") }
    }

    func run() throws {
        let dataset: Dataset
        if let folder {
            dataset = try Dataset.mvtec(root: folder)
        } else {
            dataset = try Dataset.folders(good: good!, defect: defect, masks: masks, maskPattern: maskPattern)
        }
        let progress = ProgressBar(label: "decoding", total: dataset.samples.count)
        let report = ValidationReport(dataset: dataset) { done, _ in progress.update(done) }
        progress.finish()
        print(report.text)
        if !report.isUsable { throw ExitCode(1) }
    }
}
