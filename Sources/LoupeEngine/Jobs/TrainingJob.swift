import Foundation
import LoupeData
import LoupeImaging
import LoupeModels
import LoupeTensor

/// What a training job reports as it goes.
public enum TrainingEvent: Sendable {
    /// `fromDisk` of the `done` images came from the feature store instead of the teacher.
    case cachingTeacherFeatures(done: Int, total: Int, fromDisk: Int)
    /// `terms`: the loss's named parts, when it has several (`TrainingLoss.terms`).
    case step(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Float, terms: [LossTerm], learningRate: Float, imagesPerSecond: Double)
    case epochFinished(epoch: Int, meanLoss: Float, seconds: Double)
    case resumed(fromEpoch: Int)
    /// A method of several stages (`AnomalyMethod.stages`) starts (or resumes in) stage
    /// `index` (0-based) of `count`, which trains for `epochs` epochs.
    case stageStarted(index: Int, count: Int, name: String, epochs: Int)
    /// After the final epoch: its loss spiked above the best epoch's, whose weights are kept instead.
    case restoredBestEpoch(epoch: Int, loss: Float, finalLoss: Float)
    /// After the final epoch: whether the BatchNorm running statistics were stale and replaced.
    case checkedRunningStatistics(RunningStatisticsCheck)
    /// The teacher features (`bytes`) exceed the memory budget: every step reads its batch
    /// from the feature store instead of keeping them all in memory.
    case streamingTeacherFeatures(bytes: Int, budget: Int)
}

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

    /// Runs to the configured epoch count; `isCancelled` is polled once per batch.
    public func start(events: (TrainingEvent) -> Void = { _ in }, isCancelled: () -> Bool = { false }) throws {
        let backbones = try MethodRegistry.teachers(for: configuration)
        let samples = dataset.trainSamples
        guard !samples.isEmpty else { throw RunError.noTrainingImages(path: dataset.root) }
        var startEpoch = 0
        var resumed: Checkpoint?
        if run.exists {
            guard resume else { throw RunError.alreadyExists(path: run.path) }
            resumed = try Checkpoint.read(run.checkpoint)
            startEpoch = resumed!.metadata.epoch
            events(.resumed(fromEpoch: startEpoch))
        }
        let teacher = try Teacher.pretrained(backbones, weights: teacherWeights)
        let model = try MethodRegistry.makeModel(for: configuration, teacher: teacher.layout)
        let method = try MethodRegistry.method(named: configuration.method)
        let stages = try method.stages(for: configuration)
        if let resumed { try model.loadStateDictionary(resumed.model, source: run.checkpoint) }
        guard startEpoch < configuration.epochs else { return }
        // Every image is read before the run folder is touched: a bad file stops the job
        // with nothing written.
        // A resumed run keeps the tiling it was started with.
        let tiling = resumed?.metadata.tiling ?? self.tiling
        let tilesPerImage = resumed?.metadata.tilesPerImage ?? self.tilesPerImage
        // A resumed run keeps its ROI run (checked to be the same content).
        var region: (reference: RegionReference, cropper: RegionCropper)?
        if let recorded = resumed?.metadata.region {
            region = (recorded, try recorded.cropper(detector: run.checkpoint, override: regionRun))
        } else if resumed != nil, regionRun != nil {
            throw RegionError.regionMismatch(run: run.checkpoint, detail: "was started on whole frames; resume it without --roi")
        } else if let regionRun {
            region = try RegionReference.load(run: regionRun, margin: regionMargin)
        }
        let preprocessing = Preprocessing(size: configuration.imageSize, normalization: teacher.normalization, tiling: tiling, region: region?.cropper)
        let store = try featureStoreDirectory.map {
            try FeatureStore(directory: $0, teacher: teacher, preprocessing: preprocessing)
        }
        let synthesis = method.syntheticAnomalies(for: configuration)
        let textures = try synthesis.flatMap { $0.needsTextures ? try TextureSource.load(folder: configuration.textures) : nil }
        let units = try TrainingUnit.all(samples, preprocessing: preprocessing)
        let cache = try TeacherFeatureCache(units: units, teacher: teacher, preprocessing: preprocessing, store: store,
                                            batchSize: configuration.batchSize, memoryBudget: memoryBudget,
                                            events: events, isCancelled: isCancelled)
        try run.create()
        run.removeAbandonedTemporaryFiles()
        try writeConfiguration(teacherWeights: teacher.weights, tiling: tiling, tilesPerImage: tilesPerImage, region: region?.reference)
        // Hashed once: the weights files are tens of megabytes and every epoch's checkpoint records them.
        let teacherIdentity = TeacherIdentity.describe(teacher.weights)
        let log = try TrainLog(path: run.trainLog, keepingEpochsThrough: startEpoch)
        let batch = max(1, configuration.batchSize)
        // At 32 px the bottleneck is 1×1 and BatchNorm needs two inputs per batch: a last
        // batch of one sits out (a different input each epoch, the order being shuffled).
        let drawn = TrainingUnit.epochCount(units, tilesPerImage: tilesPerImage)
        let perEpoch = configuration.imageSize <= 32 && drawn > 1 && drawn % batch == 1 ? drawn - 1 : drawn
        let stepsPerEpoch = (perEpoch + batch - 1) / batch
        let started = Date()
        var best = BestEpoch(path: run.bestEpochWeights)
        var optimizer: StageOptimizers?
        model.train()
        for epoch in (startEpoch + 1)...configuration.epochs {
            let (stage, epochInStage) = TrainingStage.locate(epoch: epoch, in: stages)
            if optimizer?.stage != stage {
                // A new stage (or the first epoch of this process): its own optimisers, and
                // its own best epoch (losses of different stages measure different things).
                let made = StageOptimizers(stage: stage, of: stages, optimization: model.optimization(forStage: stage, configuration: configuration),
                                           cosineAnnealing: configuration.cosineAnnealing)
                if optimizer == nil, let resumed { made.restore(resumed.optimizer) }
                // The last stage's activations have other shapes: free them rather than keep them for reuse.
                if optimizer != nil { Tensor.releaseCachedBuffers() }
                optimizer = made
                let first = epoch - epochInStage
                best = BestEpoch(path: run.bestEpochWeights, losses: log.meanLosses.filter { $0.key >= first })
                if stages.count > 1 { events(.stageStarted(index: stage, count: stages.count, name: stages[stage].name, epochs: stages[stage].epochs)) }
            }
            guard let optimizer else { break }
            optimizer.schedule(epochInStage: epochInStage)
            var generator = SeededGenerator(seed: configuration.seed &+ UInt64(epoch) &* 0x9E37_79B9)
            let order = Array(TrainingUnit.epochOrder(units, tilesPerImage: tilesPerImage, using: &generator).prefix(perEpoch))
            // The cached teacher features of this epoch's batch `step`.
            func features(_ step: Int) throws -> [Tensor] {
                try cache.batch(Array(order[(step * batch)..<min(order.count, (step + 1) * batch)]))
            }
            // With augmentation the teacher sees this epoch's changed inputs instead, and with
            // synthetic defects it also sees the defective inputs, a batch at a time; the
            // images are read and changed ahead on the loader's threads.
            let made = configuration.augmentation.isActive || synthesis != nil || model.readsImages
                ? StepBatches(units: units, order: order, batchSize: batch, preprocessing: preprocessing,
                              augmentation: configuration.augmentation.isActive ? configuration.augmentation : nil,
                              synthesis: synthesis, textures: textures, keepsImages: model.readsImages,
                              seed: configuration.seed, epoch: epoch) : nil
            let epochStart = Date()
            var rows: [TrainLog.Row] = []
            for step in 0..<stepsPerEpoch {
                if isCancelled() { throw RunError.cancelled }
                let inputs = try made?.next()
                let teacherFeatures = try inputs.flatMap { $0.isAugmented ? $0.good : nil }
                    .map { augmented in withoutGradients { teacher.features(augmented) } } ?? features(step)
                let synthetic = inputs?.defective.map { defective in
                    SyntheticAnomalyBatch(masks: defective.masks, images: defective.inputs) {
                        withoutGradients { teacher.features(defective.inputs) }
                    }
                }
                let loss = model.trainingLoss(TrainingBatch(teacherFeatures: teacherFeatures, synthetic: synthetic, images: inputs?.good, stage: stage))
                optimizer.zeroGradients()
                loss.total.backward()
                optimizer.step()
                let elapsed = Date().timeIntervalSince(epochStart)
                let done = min(order.count, (step + 1) * batch)
                let value = loss.total.item
                rows.append(TrainLog.Row(epoch: epoch, step: step + 1, loss: value, learningRate: optimizer.learningRate,
                                         seconds: Date().timeIntervalSince(started), terms: loss.terms))
                events(.step(epoch: epoch, step: step + 1, stepsPerEpoch: stepsPerEpoch, loss: value, terms: loss.terms,
                             learningRate: optimizer.learningRate, imagesPerSecond: Double(done) / max(elapsed, 1e-9)))
            }
            let meanLoss = rows.map(\.loss).reduce(0, +) / Float(max(rows.count, 1))
            let epochSeconds = Date().timeIntervalSince(epochStart)
            var restored: TrainingEvent?
            var check: RunningStatisticsCheck?
            var metadata = CheckpointMetadata(configuration: configuration, data: dataset.source, epoch: epoch, threshold: nil,
                                              teacherWeights: teacherIdentity, tiling: tiling, tilesPerImage: tilesPerImage,
                                              teacherWeightsPaths: teacher.weights, region: region?.reference)
            metadata.threads = Parallel.coreCount
            if epoch == configuration.epochs {
                // Before the last checkpoint, so a run killed here redoes the final epoch.
                // The check compares like with like: the kept epoch's loss on the good images.
                func goodImageMean(_ rows: [TrainLog.Row]) -> Float { rows.map(\.goodImageLoss).reduce(0, +) / Float(max(rows.count, 1)) }
                var trainingLoss = goodImageMean(rows)
                if let kept = try best.restoreIfSpiked(finalLoss: meanLoss, into: model) {
                    restored = .restoredBestEpoch(epoch: kept, loss: best.loss, finalLoss: meanLoss)
                    let keptRows = TrainLog.rows(at: run.trainLog, throughEpoch: kept).filter { $0.epoch == kept }
                    trainingLoss = keptRows.isEmpty ? best.loss : goodImageMean(keptRows)
                }
                // The check replays cached teacher features; a student that reads images is not checked.
                check = model.readsImages ? nil
                    : try RunningStatisticsCheck.run(on: model, trainingLoss: trainingLoss, batchCount: stepsPerEpoch, features: features)
            } else {
                try best.record(epoch: epoch, loss: meanLoss, model: model, metadata: metadata)
            }
            // Log first, then the checkpoint: on resume, rows past the checkpoint's epoch go.
            try log.append(rows)
            try Checkpoint(model: model.stateDictionary(), optimizer: optimizer.state, metadata: metadata).write(to: run.checkpoint)
            if epoch == startEpoch + 1 { run.removeEvaluation() }
            events(.epochFinished(epoch: epoch, meanLoss: meanLoss, seconds: epochSeconds))
            if let restored { events(restored) }
            if let check { events(.checkedRunningStatistics(check)) }
        }
        best.remove()
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

/// Names teacher weights files by name, size and content hash, to notice a different file.
enum TeacherIdentity {
    static func describe(_ paths: [String]) -> String {
        paths.map { path in
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            let hash = (try? ContentHash.ofFile(path)).map { String(format: "%016llx", $0) } ?? "unreadable"
            return "\((path as NSString).lastPathComponent) (\(size) bytes, content \(hash))"
        }.joined(separator: "; ")
    }
}

/// An epoch's training inputs made on the fly, batch by batch in the epoch's order: the
/// images changed by the run's augmentation, and/or made defective by the method's
/// synthetic-anomaly recipe. Each input's changes are drawn from generators of its own
/// (seed, epoch, position in the epoch), so a run, and a resumed run, gets the same ones.
final class StepBatches {
    struct Batch {
        /// The good inputs (N×3×size×size) as trained on, when the run augments them or the
        /// model reads images.
        let good: Tensor?
        /// Whether `good` was augmented (the teacher must then see it anew).
        let isAugmented: Bool
        /// The inputs with synthetic defects, and their N×1×size×size masks (0 or 1).
        let defective: (inputs: Tensor, masks: Tensor)?
    }

    private let loader: PrefetchingLoader<Batch>

    init(units: [TrainingUnit], order: [Int], batchSize: Int, preprocessing: Preprocessing, augmentation: Augmentation?,
         synthesis: SyntheticAnomalyRecipe?, textures: TextureSource?, keepsImages: Bool = false, seed: UInt64, epoch: Int) {
        let batches = (order.count + batchSize - 1) / batchSize
        loader = PrefetchingLoader(count: batches, prefetch: 2) { step in
            let positions = (step * batchSize)..<min(order.count, (step + 1) * batchSize)
            var good: [Tensor] = [], defective: [Tensor] = [], masks: [Tensor] = []
            for position in positions {
                let unit = units[order[position]]
                let base = seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(epoch) &* 0x9E37_79B9 &+ UInt64(position)
                var image = try preprocessing.prepare(unit.sample.path).image(unit.tile?.index ?? 0)
                if let augmentation {
                    var generator = SeededGenerator(seed: base)
                    image = augmentation.apply(image, using: &generator)
                }
                if augmentation != nil || keepsImages { good.append(image.tensor(normalization: preprocessing.normalization)) }
                if let synthesis {
                    var generator = SeededGenerator(seed: base ^ 0x5EED_DEFEC7)
                    let anomaly = try synthesis.make(image, textures: textures, using: &generator)
                    defective.append(anomaly.image.tensor(normalization: preprocessing.normalization))
                    masks.append(Tensor(shape: [1, 1, anomaly.mask.height, anomaly.mask.width], scalars: anomaly.mask.pixels.map { $0 > 127 ? 1 : 0 }))
                }
            }
            return Batch(good: good.isEmpty ? nil : Tensor.concatenate(good, alongAxis: 0), isAugmented: augmentation != nil,
                         defective: synthesis == nil ? nil : (Tensor.concatenate(defective, alongAxis: 0), Tensor.concatenate(masks, alongAxis: 0)))
        }
    }

    /// The next batch.
    func next() throws -> Batch {
        guard let result = loader.next() else { throw RunError.cancelled }
        return try result.get()
    }
}

/// One network input of the training set: a whole (resized) image, or one tile of it.
struct TrainingUnit {
    let sample: Sample
    /// Index of the image among the training samples.
    let image: Int
    /// The tile and its frame's grid, for tiled runs.
    let tile: (index: Int, grid: TileGrid)?

    /// Every unit of `samples`: one per image, or one per tile (each frame's size read from
    /// its header, so frames whose features are stored are never decoded).
    static func all(_ samples: [Sample], preprocessing: Preprocessing) throws -> [TrainingUnit] {
        guard let tiling = preprocessing.tiling else {
            return samples.enumerated().map { TrainingUnit(sample: $1, image: $0, tile: nil) }
        }
        return try samples.enumerated().flatMap { image, sample in
            let frame = try ImageFile.dimensions(sample.path)
            let grid = tiling.grid(width: frame.width, height: frame.height)
            return (0..<grid.count).map { TrainingUnit(sample: sample, image: image, tile: ($0, grid)) }
        }
    }

    /// Units an epoch uses.
    static func epochCount(_ units: [TrainingUnit], tilesPerImage: Int?) -> Int {
        guard let tilesPerImage else { return units.count }
        return Dictionary(grouping: units, by: \.image).values.map { min($0.count, tilesPerImage) }.reduce(0, +)
    }

    /// This epoch's units in training order: all of them shuffled, or `tilesPerImage` drawn
    /// from each image's tiles and then shuffled. Depends only on the generator (seed, epoch).
    static func epochOrder(_ units: [TrainingUnit], tilesPerImage: Int?, using generator: inout SeededGenerator) -> [Int] {
        guard let tilesPerImage else { return Array(units.indices).shuffled(using: &generator) }
        var byImage: [Int: [Int]] = [:]
        for (index, unit) in units.enumerated() { byImage[unit.image, default: []].append(index) }
        var chosen: [Int] = []
        for image in byImage.keys.sorted() {
            chosen += byImage[image]!.shuffled(using: &generator).prefix(tilesPerImage)
        }
        return chosen.shuffled(using: &generator)
    }

    /// The 1×3×size×size input, from its image as `Preprocessing.prepare` read it.
    func input(from prepared: Preprocessing.Prepared, _ preprocessing: Preprocessing) -> Tensor {
        prepared.input(tile?.index ?? 0, normalization: preprocessing.normalization)
    }

    /// What distinguishes this unit's entry in the feature store besides the image bytes.
    var storeVariant: String { tile.map { "tile \($0.index) of \($0.grid.columns)x\($0.grid.rows)" } ?? "" }
}

/// The teacher's features of every training unit, computed once (or read from a
/// `FeatureStore`) and kept in memory for every epoch; or, when they would take more than
/// the memory budget and a store holds them, read from the store a batch at a time (the
/// same float32 values, so the same losses bit for bit).
public struct TeacherFeatureCache {
    /// A quarter of the machine's memory: the rest is the model's, the loader's and the system's.
    public static var defaultMemoryBudget: Int { Int(min(ProcessInfo.processInfo.physicalMemory / 4, UInt64(Int.max))) }

    /// Where the features are between steps.
    private enum Storage {
        /// Per scale, all units: N×C×h×w.
        case inMemory([Tensor])
        /// In the store, one entry per unit.
        case streamed(FeatureStore, [FeatureStore.Entry])
    }
    private let storage: Storage

    /// Bytes the features of `count` inputs of `size`² take (float32 at strides 4, 8, 16).
    static func bytes(count: Int, size: Int, layout: TeacherLayout) -> Int {
        let perInput = zip(layout.stageChannels, [4, 8, 16]).reduce(0) { $0 + $1.0 * (size / $1.1) * (size / $1.1) }
        return count * perInput * MemoryLayout<Float>.stride
    }

    init(units: [TrainingUnit], teacher: Teacher, preprocessing: Preprocessing, store: FeatureStore?, batchSize: Int,
         memoryBudget: Int = TeacherFeatureCache.defaultMemoryBudget, events: (TrainingEvent) -> Void, isCancelled: () -> Bool) throws {
        let bytes = Self.bytes(count: units.count, size: preprocessing.size, layout: teacher.layout)
        let streaming = store != nil && bytes > memoryBudget
        if streaming { events(.streamingTeacherFeatures(bytes: bytes, budget: memoryBudget)) }
        // In memory: each unit's features are copied into place in per-scale N×C×h×w
        // tensors made at the first unit, so the set is never held twice.
        var filled: [Tensor] = []
        func place(_ own: [Tensor], at index: Int) {
            if filled.isEmpty { filled = own.map { Tensor.zeros([units.count] + $0.shape.dropFirst()) } }
            for scale in own.indices {
                let count = own[scale].count
                own[scale].withUnsafePointer { source in
                    filled[scale].withUnsafeMutablePointer { (destination: UnsafeMutablePointer<Float>) in
                        (destination + index * count).update(from: source, count: count)
                    }
                }
            }
        }
        var present = [Bool](repeating: false, count: units.count)
        var entries: [FeatureStore.Entry] = []
        if let store {
            for (index, unit) in units.enumerated() {
                let entry = try store.entry(forImage: unit.sample.path, variant: unit.storeVariant)
                entries.append(entry)
                if streaming {
                    present[index] = store.contains(entry)
                } else if let stored = store.load(entry) {
                    place(stored, at: index)
                    present[index] = true
                }
            }
        }
        let fromDisk = present.filter { $0 }.count
        let missing = present.indices.filter { !present[$0] }
        events(.cachingTeacherFeatures(done: fromDisk, total: units.count, fromDisk: fromDisk))
        // Each image is read once for all of its units (every tile of a frame) still missing.
        var missingByImage: [[Int]] = []
        for index in missing {
            if let last = missingByImage.last?.last, units[last].image == units[index].image {
                missingByImage[missingByImage.count - 1].append(index)
            } else {
                missingByImage.append([index])
            }
        }
        let groups = missingByImage
        let unitsPerImage = max(1, missing.count / max(1, groups.count))
        let loader = PrefetchingLoader(count: groups.count, prefetch: max(2, 2 * batchSize / unitsPerImage)) { group in
            let indices = groups[group]
            let prepared = try preprocessing.prepare(units[indices[0]].sample.path)
            return indices.map { (index: $0, input: units[$0].input(from: prepared, preprocessing)) }
        }
        var pending: [(index: Int, input: Tensor)] = []
        var done = fromDisk
        func flush() throws {
            guard !pending.isEmpty else { return }
            let features = withoutGradients { teacher.features(Tensor.concatenate(pending.map(\.input), alongAxis: 0)) }
            for (position, item) in pending.enumerated() {
                let own = features.map { $0.sliced(alongAxis: 0, position..<(position + 1)) }
                if streaming, let store {
                    // Streamed features must be in the store: a full disk stops training here.
                    try store.save(own, to: entries[item.index])
                } else {
                    place(own, at: item.index)
                    // A full or read-only cache disk costs only the cache.
                    if let store { try? store.save(own, to: entries[item.index]) }
                }
            }
            done += pending.count
            pending = []
            events(.cachingTeacherFeatures(done: done, total: units.count, fromDisk: fromDisk))
        }
        for result in loader {
            if isCancelled() { throw RunError.cancelled }
            for item in try result.get() {
                pending.append(item)
                if pending.count == batchSize { try flush() }
            }
        }
        try flush()
        storage = if streaming, let store { .streamed(store, entries) } else { .inMemory(filled) }
    }

    /// The cached features of `indices`, as one batch per scale.
    func batch(_ indices: [Int]) throws -> [Tensor] {
        switch storage {
        case let .inMemory(scales):
            return scales.map { scale in Tensor.concatenate(indices.map { scale.sliced(alongAxis: 0, $0..<($0 + 1)) }, alongAxis: 0) }
        case let .streamed(store, entries):
            let loaded = try indices.map { index in
                guard let features = store.load(entries[index]) else { throw RunError.featureStoreEntryMissing(path: entries[index].files[0]) }
                return features
            }
            return (loaded.first ?? []).indices.map { scale in Tensor.concatenate(loaded.map { $0[scale] }, alongAxis: 0) }
        }
    }
}
