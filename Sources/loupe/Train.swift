import ArgumentParser
import Foundation
import LoupeData
import LoupeEngine
import LoupeFormats
import LoupeModels

/// `loupe train`: learn what good parts look like.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a detector (Reverse Distillation or a paper method) on a data set's good images.",
        discussion: """
        Methods (--method NAME); a method's settings follow as options:
        \(MethodOptions.help)

        Writes runs/NAME/: config.toml, model.safetensors (weights, optimiser state, metadata) \
        and train-log.csv. The checkpoint is replaced atomically after every epoch, so an \
        interrupted run (even kill -9) loses at most the epoch in progress: continue it with \
        --resume (its settings come from its own config.toml), and it ends exactly as an \
        uninterrupted run would.

        After the last epoch: if its loss spiked above 1.1x the best epoch's, the best \
        epoch's weights are kept; if the BatchNorm running statistics no longer fit the \
        kept weights (training-set loss in evaluation mode above 1.25x the training loss), \
        they are recalibrated on the training images. Both are reported when they happen.

        Examples:
          loupe train --data samples/texture --run runs/texture --epochs 30
          loupe train --run runs/pcb --resume
          loupe train --data samples/pcb --run runs/pcb-tiles --tile 256 --overlap 32 --tiles-per-image 4
          loupe train --data samples/texture --run runs/texture-mff --method rd-mff --no-transformer
          loupe train --data VisA/candle --run runs/candle
          loupe train --good line3/ok --defect line3/ng --masks line3/labels --run runs/line3

        \(DataOptions.layouts)
        """
    )

    @Option(help: ArgumentHelp("Run settings to start from: a run's config.toml or a file like it.",
                               discussion: "Options given here override the file's values."), completion: .file(extensions: ["toml"]))
    var config: String?

    @OptionGroup(title: "Engine")
    var engine: EngineOptions

    @OptionGroup(title: "Output")
    var progress: ProgressOptions

    @OptionGroup(title: "Data (may come from --config)")
    var data: DataOptions

    @Option(name: .customLong("run"), help: "Run folder to write (created if missing).", completion: .directory)
    var runFolder: String

    @OptionGroup(title: "Method (may come from --config)")
    var choice: MethodChoiceOptions

    @OptionGroup(title: "Training (may come from --config)")
    var training: TrainingOptions

    @OptionGroup(title: "Tiling (may come from --config)")
    var tiling: TilingOptions

    @Option(help: ArgumentHelp("Crop every frame to its part with this ROI run (`loupe roi train`) before detection.",
                               discussion: "Maps, metrics and overlays stay in frame pixels; eval, infer and the console crop the same way."))
    var roi: String?

    @Option(help: "With --roi: margin around the part's box, as a fraction of the box (default 0.1).")
    var roiMargin: Double?

    @Flag(help: ArgumentHelp("Continue an interrupted run from its last completed epoch.",
                             discussion: "Its settings and data come from the run's config.toml (or --config); options given here override them."))
    var resume = false

    @Option(help: ArgumentHelp("Folder keeping teacher features between runs, keyed by teacher weights, size and image bytes.",
                               discussion: "Default: $LOUPE_CACHE/features or ~/.cache/loupe/features."),
            completion: .directory)
    var featureCache: String?

    @Flag(help: "Keep teacher features in memory only (nothing written to the feature cache).")
    var noFeatureCache = false

    @Option(help: ArgumentHelp("Most memory the training set's teacher features may take, e.g. 2G or 512M.",
                               discussion: "Above it they are read from the feature cache each step (same losses); default: a quarter of this machine's memory. pfadseg and stu-seg keep their frozen student's features of the training set through the segmentation stage in what the teacher's leave (the rest are computed each step, same losses)."))
    var memoryBudget: String?

    @Flag(help: "Print one JSON object per epoch instead of a progress bar.")
    var json = false

    func validate() throws {
        _ = try settings()
        _ = try budget()
    }

    /// --memory-budget in bytes (nil: the default).
    func budget() throws -> Int? {
        try memoryBudget.map { text in
            guard let size = MemorySize(parsing: text) else { throw ValidationError("--memory-budget: '\(text)' is not a size like 2G, 512M or 800000") }
            guard !noFeatureCache else { throw ValidationError("--memory-budget streams from the feature cache: drop --no-feature-cache") }
            return size.bytes
        }
    }

    /// What to train: the --config file's settings (with --resume and no --config, the run's
    /// own), overridden by the options given here.
    func settings() throws -> RunConfigurationFile {
        var file = RunConfigurationFile(configuration: TrainingConfiguration())
        let recorded = RunFolder(runFolder).configuration
        let base = config ?? (resume && FileManager.default.fileExists(atPath: recorded) ? recorded : nil)
        if let base {
            do {
                file = try RunConfigurationFile.read(base)
            } catch let error as TOMLFileError {
                throw ValidationError(error.description)
            }
        }
        try file.apply(training: training, choice: choice, tiling: tiling, data: data, startedFromFile: base != nil)
        file.regionRun = roi ?? file.regionRun
        if let roiMargin {
            guard (0...2).contains(roiMargin), file.regionRun != nil else { throw ValidationError("--roi-margin needs --roi and a value from 0 to 2") }
            file.regionMargin = roiMargin
        }
        guard file.data != nil else { throw ValidationError("no data set: pass --data PATH or --good DIR (or a --config file that names one, or --resume a run that has one)") }
        return file
    }

    func run() throws {
        try engine.apply()
        progress.apply()
        let settings = try settings()
        let configuration = settings.configuration
        let epochs = configuration.epochs
        guard let source = settings.data else { throw ValidationError("no data set") }
        let dataset = try source.open()
        let budget = try budget()
        let job = TrainingJob(run: RunFolder(runFolder), dataset: dataset, configuration: configuration, teacherWeights: settings.teacherWeights,
                              resume: resume, featureStoreDirectory: noFeatureCache ? nil : featureCache ?? FeatureStore.defaultDirectory,
                              tiling: settings.tiling, tilesPerImage: settings.tilesPerImage,
                              regionRun: settings.regionRun, regionMargin: settings.regionMargin ?? RegionCropper.defaultMargin,
                              memoryBudget: budget ?? TeacherFeatureCache.defaultMemoryBudget)
        var clock = EpochClock(epochs: epochs)
        let cachingStarted = Date()
        let caching = ProgressBar(label: "teacher features", total: 1)
        var bar: ProgressBar?
        let frozen = ProgressBar(label: "frozen student features", total: 1)
        var frozenStarted = Date()
        try job.start(events: { event in
            switch event {
            case let .cachingTeacherFeatures(done, total, fromDisk):
                caching.total = total
                if !json { caching.update(done, note: fromDisk > 0 ? "\(fromDisk) from cache" : "") }
                if done == total {
                    caching.finish()
                    let seconds = Date().timeIntervalSince(cachingStarted)
                    let line = String(format: "teacher features: %d inputs in %.1f s (%d from the feature cache)", total, seconds, fromDisk)
                    clock = EpochClock(epochs: epochs, firstEpoch: clock.firstEpoch)
                    if json {
                        JSONLine.print(["teacher_features": JSONNumber(Double(total)), "from_cache": JSONNumber(Double(fromDisk)), "seconds": JSONNumber(seconds)])
                    } else if !progress.quiet {
                        FileHandle.standardError.write(Data((line + "\n").utf8))
                    }
                }
            case let .keepingFrozenFeatures(done, total):
                if done == 0 { frozenStarted = Date() }
                frozen.total = total
                if !json { frozen.update(done) }
                if done == total {
                    if !json { frozen.finish() }
                    let seconds = Date().timeIntervalSince(frozenStarted)
                    if json {
                        JSONLine.print(["frozen_features": JSONNumber(Double(total)), "seconds": JSONNumber(seconds)])
                    } else if !progress.quiet {
                        FileHandle.standardError.write(Data(String(format: "frozen student features: %d inputs in %.1f s, kept for the stage within the memory budget\n", total, seconds).utf8))
                    }
                }
            case let .streamingTeacherFeatures(bytes, budget):
                FileHandle.standardError.write(Data("teacher features take \(MemorySize(bytes: bytes)), above the memory budget of \(MemorySize(bytes: budget)): each step reads its batch from the feature cache\n".utf8))
            case let .resumed(epoch):
                clock = EpochClock(epochs: epochs, firstEpoch: epoch + 1)
                FileHandle.standardError.write(Data("resuming \(runFolder) after epoch \(epoch)\n".utf8))
            case let .stageStarted(index, count, name, stageEpochs):
                if json {
                    JSONLine.print(StageEvent(stage: index + 1, stages: count, name: name, epochs: stageEpochs))
                } else {
                    if !progress.quiet { FileHandle.standardError.write(Data("stage \(index + 1)/\(count): \(name) (\(stageEpochs) epochs)\n".utf8)) }
                }
            case let .step(epoch, step, steps, loss, terms, _, _):
                if json { return }
                if step == 1 { bar = ProgressBar(label: "epoch \(epoch)/\(epochs)", total: steps) }
                bar?.update(step, note: String(format: "loss %.4f", loss) + LossTerm.describe(terms))
            case let .restoredBestEpoch(bestEpoch, loss, finalLoss):
                if json {
                    JSONLine.print(["restored_best_epoch": JSONNumber(Double(bestEpoch)), "best_loss": JSONNumber(Double(loss)), "final_loss": JSONNumber(Double(finalLoss))])
                } else {
                    FileHandle.standardError.write(Data(String(format: "the final epoch's loss spiked (%.4f against %.4f in epoch %d): keeping epoch %d's weights\n",
                                                               finalLoss, loss, bestEpoch, bestEpoch).utf8))
                }
            case let .checkedRunningStatistics(check):
                guard let recalibrated = check.recalibratedLoss else { return }
                if json {
                    JSONLine.print(RecalibrationEvent(staleLoss: JSONNumber(Double(check.evaluationLoss)), trainingLoss: JSONNumber(Double(check.trainingLoss)),
                                                      recalibratedLoss: JSONNumber(Double(recalibrated))))
                } else {
                    FileHandle.standardError.write(Data(String(format: "BatchNorm running statistics were stale (evaluation loss %.4f against %.4f in training): recalibrated on the training images, loss now %.4f\n",
                                                               check.evaluationLoss, check.trainingLoss, recalibrated).utf8))
                }
            case let .epochFinished(epoch, meanLoss, seconds):
                if json {
                    JSONLine.print(["epoch": JSONNumber(Double(epoch)), "loss": JSONNumber(Double(meanLoss)), "seconds": JSONNumber((seconds * 100).rounded() / 100)])
                } else if !progress.quiet {
                    bar?.finish()
                    FileHandle.standardError.write(Data((String(format: "epoch %d/%d  loss %.4f  %.1f s", epoch, epochs, meanLoss, seconds)
                                                         + clock.remaining(after: epoch) + "\n").utf8))
                }
            }
        })
        if !json { print("trained: \(RunFolder(runFolder).checkpoint)") }
    }
}

/// `--json`'s line when stale BatchNorm statistics were recalibrated.
private struct RecalibrationEvent: Encodable {
    let runningStatisticsRecalibrated = true
    let staleLoss: JSONNumber<Double>, trainingLoss: JSONNumber<Double>, recalibratedLoss: JSONNumber<Double>
}

/// `--json`'s line when a training stage starts.
private struct StageEvent: Encodable {
    let stage: Int, stages: Int, name: String, epochs: Int
}
