import Foundation
import LoupeData
import LoupeImaging
import LoupeModels
import LoupeTensor

/// Trains a method's network (`DistillationModel`: everything after the frozen teacher) on
/// a data set's good images.
///
/// The frozen teacher's features of the (unaugmented) training images are computed once
/// and kept, so an epoch costs only the student. After every epoch the checkpoint
/// (weights, Adam state, epoch) is written atomically and the epoch's log rows appended:
/// killed at any moment, the run loses at most the epoch in progress, and `resume` then
/// continues exactly as an uninterrupted run would (the shuffle depends only on seed and
/// epoch). If the final epoch's loss spiked, the weights of the epoch with the lowest loss
/// are kept instead; BatchNorm running statistics that no longer fit the kept weights are
/// then recalibrated (`RunningStatisticsCheck`), both before the last checkpoint.
public struct TrainingJob: Sendable {
    public let run: RunFolder
    public let dataset: Dataset
    public let configuration: TrainingConfiguration
    /// One weights file per teacher (nil: each one's installed weights).
    public let teacherWeights: [String]?
    public let resume: Bool
    /// Where teacher features persist between runs (`FeatureStore`); nil keeps them in memory only.
    public let featureStoreDirectory: String?
    /// Train on tiles cut at native resolution (nil: on resized images).
    public let tiling: Tiling?
    /// With tiling: how many of each image's tiles an epoch draws (seeded; nil: all).
    public let tilesPerImage: Int?
    /// Crop every frame to its part with this ROI run first (two-stage inspection; nil: whole frames).
    public let regionRun: String?
    /// The crop's margin around the part's box, as a fraction of the box.
    public let regionMargin: Double
    /// Bytes of teacher features kept in memory; above it they are read from the feature
    /// store each step (`TeacherFeatureCache`).
    public let memoryBudget: Int

    public init(run: RunFolder, dataset: Dataset, configuration: TrainingConfiguration, teacherWeights: [String]?, resume: Bool,
                featureStoreDirectory: String? = nil, tiling: Tiling? = nil, tilesPerImage: Int? = nil,
                regionRun: String? = nil, regionMargin: Double = RegionCropper.defaultMargin,
                memoryBudget: Int = TeacherFeatureCache.defaultMemoryBudget) {
        self.memoryBudget = memoryBudget
        self.regionRun = regionRun
        self.regionMargin = regionMargin
        self.featureStoreDirectory = featureStoreDirectory
        self.tiling = tiling
        self.tilesPerImage = tilesPerImage
        self.run = run
        self.dataset = dataset
        self.configuration = configuration
        self.teacherWeights = teacherWeights
        self.resume = resume
    }

    /// Runs to the configured epoch count; `isCancelled` is polled once per batch. Every
    /// image is read before the run folder is touched: a bad file stops the job with
    /// nothing written.
    public func start(events: (TrainingEvent) -> Void = { _ in }, isCancelled: () -> Bool = { false }) throws {
        let (resumed, startEpoch) = try resumedCheckpoint(events: events)
        let teacher = try Teacher.pretrained(try MethodRegistry.teachers(for: configuration), weights: teacherWeights)
        let model = try MethodRegistry.makeModel(for: configuration, teacher: teacher.layout)
        if let resumed { try model.loadStateDictionary(resumed.model, source: run.checkpoint) }
        guard startEpoch < configuration.epochs else { return }
        let session = try TrainingSession(job: self, teacher: teacher, model: model, resumed: resumed, startEpoch: startEpoch,
                                          events: events, isCancelled: isCancelled)
        try run.create()
        run.removeAbandonedTemporaryFiles()
        try writeConfiguration(teacherWeights: teacher.weights, tiling: session.tiling, tilesPerImage: session.tilesPerImage,
                               region: session.region?.reference)
        try session.train(events: events, isCancelled: isCancelled)
    }

    /// The checkpoint of the run being resumed and its last epoch (nil, 0 for a new run).
    private func resumedCheckpoint(events: (TrainingEvent) -> Void) throws -> (Checkpoint?, Int) {
        guard !dataset.trainSamples.isEmpty else { throw RunError.noTrainingImages(path: dataset.root) }
        guard run.exists else { return (nil, 0) }
        guard resume else { throw RunError.alreadyExists(path: run.path) }
        let checkpoint = try Checkpoint.read(run.checkpoint)
        events(.resumed(fromEpoch: checkpoint.metadata.epoch))
        return (checkpoint, checkpoint.metadata.epoch)
    }

    /// The ROI the frames are cropped to: a resumed run keeps its own (checked to be the same content).
    func region(resumed: Checkpoint?) throws -> (reference: RegionReference, cropper: RegionCropper)? {
        if let recorded = resumed?.metadata.region {
            return (recorded, try recorded.cropper(detector: run.checkpoint, override: regionRun))
        }
        if resumed != nil, regionRun != nil {
            throw RegionError.regionMismatch(run: run.checkpoint, detail: "was started on whole frames; resume it without --roi")
        }
        return try regionRun.map { try RegionReference.load(run: $0, margin: regionMargin) }
    }

    /// `config.toml`: the run's settings, to read, edit and train again with `--config`
    /// (the checkpoint's metadata is what `eval`, `infer` and `--resume` reload).
    private func writeConfiguration(teacherWeights: [String], tiling: Tiling?, tilesPerImage: Int?, region: RegionReference?) throws {
        var file = RunConfigurationFile(configuration: configuration, data: dataset.source, teacherWeights: teacherWeights,
                                        tiling: tiling, tilesPerImage: tilesPerImage)
        (file.regionRun, file.regionMargin) = (region?.run, region?.margin)
        try RunFolder.write(file.text, to: run.configuration)
    }
}
