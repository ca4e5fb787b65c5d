import ArgumentParser
import Foundation
import LoupeEngine
import LoupeModels

/// `loupe roi …`: the two-stage inspection's first stage (paper 000 §3.1), a segmenter that
/// finds the part in a cluttered frame so the detector only sees the part.
struct RegionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roi",
        abstract: "Train and evaluate the ROI segmenter that crops the part out of each frame before detection.",
        discussion: """
        Masks are images of the frames' size, white where the part is, named like their frame \
        (line3/masks/a.png for line3/frames/a.jpg). A few dozen are enough (the paper: above \
        94 % mIoU from 27). Then `loupe train --roi RUN` and the run's eval, infer and console \
        crop every frame to the part's box before scoring.
        """,
        subcommands: [RegionTrain.self, RegionEvaluate.self]
    )
}

/// `loupe roi train`.
struct RegionTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a ROI segmenter from frames and part masks.",
        discussion: """
        The encoder is the pretrained EfficientNet-Lite teacher (its stride-32 stages dilated \
        to stride 16), fine-tuned; AMAM, gated skips and four upsampling stages as paper 000. \
        BCE loss, Adam (lr 0.002, betas 0.5/0.999), cosine annealing, random flips. Writes \
        RUN/roi.safetensors (replaced after every epoch) and RUN/roi-log.csv.

        Example:
          loupe roi train --images line3/roi/images --masks line3/roi/masks --run runs/line3-roi
        """
    )

    @Option(help: "Folder of frames.", completion: .directory) var images: String
    @Option(help: "Folder of part masks, named like the frames.", completion: .directory) var masks: String
    @Option(name: .customLong("run"), help: "Run folder to write.", completion: .directory) var runFolder: String
    @Option(help: "Encoder: an EfficientNet-Lite (default efficientnet-lite0).") var backbone = BackboneName.efficientNetLite0.rawValue
    @Option(help: "Encoder weights; default: the installed ones.") var weights: String?
    @Option(help: "Square input size the segmenter sees frames at, a multiple of 32.") var size = 256
    @Option(help: "Training epochs.") var epochs = 60
    @Option(help: "Frames per step.") var batchSize = 8
    @Option(help: "Adam's learning rate.") var learningRate: Float = 0.002
    @Option(help: "Seed for initialisation, order and flips.") var seed: UInt64 = 0
    @OptionGroup(title: "Output") var progress: ProgressOptions

    func validate() throws {
        try InputSize.validate(size)
        guard epochs > 0, batchSize > 0, learningRate > 0 else { throw ValidationError("--epochs, --batch-size and --learning-rate must be positive") }
    }

    func run() throws {
        var settings = RegionTrainingJob.Settings()
        (settings.backbone, settings.weights, settings.imageSize, settings.epochs) = (backbone, weights, size, epochs)
        (settings.batchSize, settings.learningRate, settings.seed) = (batchSize, learningRate, seed)
        progress.apply()
        let samples = try RegionSamples(images: images, masks: masks)
        let clock = EpochClock(epochs: epochs)
        var bar: ProgressBar?
        try RegionTrainingJob(run: RegionRun(runFolder), samples: samples, settings: settings).start(events: { event in
            switch event {
            case let .step(epoch, step, steps, loss):
                if step == 1 { bar = ProgressBar(label: "epoch \(epoch)/\(epochs)", total: steps) }
                bar?.update(step, note: String(format: "loss %.4f", loss))
            case let .epochFinished(epoch, loss, seconds):
                bar?.finish()
                if !progress.quiet { print(String(format: "epoch %d/%d  loss %.4f  %.1f s", epoch, epochs, loss, seconds) + clock.remaining(after: epoch)) }
            }
        })
        print("trained: \(RegionRun(runFolder).checkpoint) (\(samples.pairs.count) frames)")
    }
}

/// `loupe roi eval`.
struct RegionEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Report a ROI segmenter's mIoU and each frame's IoU against part masks.",
        discussion: """
        mIoU is the mean over frames of the part's and the background's IoU (the paper's \
        measure); part IoU is the part's alone. Both at the frames' own resolution.

        Example:
          loupe roi eval --run runs/line3-roi --images line3/held-out/images --masks line3/held-out/masks
        """
    )

    @Option(name: .customLong("run"), help: "ROI run folder.", completion: .directory) var runFolder: String
    @Option(help: "Folder of frames.", completion: .directory) var images: String
    @Option(help: "Folder of part masks, named like the frames.", completion: .directory) var masks: String
    @Flag(help: "Print the results as JSON.") var json = false
    @OptionGroup(title: "Output") var progress: ProgressOptions

    func run() throws {
        progress.apply()
        let segmenter = try RegionSegmenter(run: RegionRun(runFolder))
        let samples = try RegionSamples(images: images, masks: masks)
        let bar = ProgressBar(label: "segmenting", total: samples.pairs.count)
        let evaluation = try RegionEvaluation(segmenter: segmenter, samples: samples) { done, _ in bar.update(done) }
        bar.finish()
        if json {
            let frames = evaluation.frames.map { ["path": $0.path, "part_iou": $0.partIoU, "background_iou": $0.backgroundIoU] as [String: Any] }
            let object: [String: Any] = ["miou": evaluation.meanIoU, "part_iou": evaluation.meanPartIoU, "frames": frames]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        for frame in evaluation.frames {
            print(String(format: "%@\tpart IoU %.2f\tbackground IoU %.2f", frame.path, 100 * frame.partIoU, 100 * frame.backgroundIoU))
        }
        print(String(format: "frames %d  mIoU %.2f  part IoU %.2f", evaluation.frames.count, 100 * evaluation.meanIoU, 100 * evaluation.meanPartIoU))
    }
}
