import ArgumentParser
import Foundation
import LoupeEngine

/// `loupe eval`: how well a trained run separates good from defective.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score every test image of a data set with a run and report its metrics.",
        discussion: """
        Writes scores.csv (file, kind, label, score, verdict) and metrics.json (image AUROC, \
        pixel AUROC, AUPRO up to FPR 0.3, pixel AP, instance AP and IAP@90, pixel mIoU at the \
        F1-optimal pixel threshold, image F1-max and its threshold) into the \
        run folder. --data defaults to the data set the run was trained on.

        Example:
          loupe eval --run runs/texture
        """
    )

    @Option(name: .customLong("run"), help: "Run folder written by `loupe train`.", completion: .directory)
    var runFolder: String

    @OptionGroup(title: "Engine")
    var engine: EngineOptions

    @OptionGroup(title: "Output")
    var progress: ProgressOptions

    @OptionGroup(title: "Data (default: the data set the run was trained on)")
    var data: DataOptions

    @Flag(help: "Also write every anomaly map as a 16-bit PNG under maps/<kind>/ (0 to 65535 over the method's map range: 0…6 for distance maps, 0…1 for probabilities).")
    var saveMaps = false

    @Flag(help: "Print the metrics as JSON.")
    var json = false

    @Option(help: "The ROI run the detector was trained with, if it has moved (default: the recorded one).", completion: .directory)
    var roi: String?

    func run() throws {
        try engine.apply()
        progress.apply()
        let bar = ProgressBar(label: "scoring", total: 1)
        let (images, metrics) = try EvaluationJob(run: RunFolder(runFolder), data: try data.source(), savesMaps: saveMaps, regionRun: roi).start(progress: { done, total in
            bar.total = total
            bar.update(done)
        })
        bar.finish()
        if let warning = images.nonFiniteScoreWarning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(metrics), as: UTF8.self))
            return
        }
        func percent(_ value: Double?) -> String { value.map { String(format: "%6.2f", 100 * $0) } ?? "     —" }
        print("images \(metrics.images) (\(metrics.defects) defective)")
        print("image AUROC   \(percent(metrics.imageAUROC))")
        print("pixel AUROC   \(percent(metrics.pixelAUROC))")
        print("AUPRO (0.3)   \(percent(metrics.aupro))")
        print("pixel AP      \(percent(metrics.pixelAveragePrecision))")
        print("IAP / IAP@90  \(percent(metrics.instanceAveragePrecision)) / \(percent(metrics.instancePrecisionAt90).trimmingCharacters(in: .whitespaces))")
        print("pixel mIoU    \(percent(metrics.pixelMeanIoU))")
        print("image F1 max  \(percent(metrics.imageF1Max))" + (metrics.f1Threshold.map { String(format: "  at score %.4f", $0) } ?? ""))
        if let missed = metrics.framesWithoutPart, missed > 0 {
            print("ROI: no part found in \(missed) of \(metrics.images) frames (scored whole)")
        }
    }
}
