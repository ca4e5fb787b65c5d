import Foundation
import LoupeData
import LoupeModels
import LoupeTensor

/// One training job's work once its teacher and model exist: the inputs (tiles, ROI crops),
/// the teacher's cached features, then the epochs, each trained step by step and closed by
/// its log rows and checkpoint (`TrainingJob` says what is kept and why).
final class TrainingSession {
    let job: TrainingJob
    let teacher: Teacher
    let model: any DistillationModel
    let resumed: Checkpoint?
    let startEpoch: Int
    let stages: [TrainingStage]
    /// A resumed run keeps the tiling it was started with.
    let tiling: Tiling?
    let tilesPerImage: Int?
    let region: (reference: RegionReference, cropper: RegionCropper)?
    let preprocessing: Preprocessing
    /// Each stage's synthetic defects (a stage may have none, or its own kinds).
    let synthesis: [SyntheticAnomalyRecipe?]
    let textures: TextureSource?
    let units: [TrainingUnit]
    let cache: TeacherFeatureCache
    /// The current stage's frozen features of good units, when the model has any.
    private var frozen: FrozenFeatureCache?
    let batch: Int
    /// Inputs trained per epoch: all drawn, but a last batch of one sits out where BatchNorm
    /// needs two (`needsTwoInputsPerBatch`; the order is shuffled, so a different input each epoch).
    let perEpoch: Int
    var stepsPerEpoch: Int { (perEpoch + batch - 1) / batch }
    private var configuration: TrainingConfiguration { job.configuration }

    init(job: TrainingJob, teacher: Teacher, model: any DistillationModel, resumed: Checkpoint?, startEpoch: Int,
         events: (TrainingEvent) -> Void, isCancelled: () -> Bool) throws {
        (self.job, self.teacher, self.model, self.resumed, self.startEpoch) = (job, teacher, model, resumed, startEpoch)
        let configuration = job.configuration
        let method = try MethodRegistry.method(named: configuration.method)
        stages = try method.stages(for: configuration)
        tiling = resumed?.metadata.tiling ?? job.tiling
        tilesPerImage = resumed?.metadata.tilesPerImage ?? job.tilesPerImage
        region = try job.region(resumed: resumed)
        let preprocessing = Preprocessing(size: configuration.imageSize, normalization: teacher.normalization, tiling: tiling, region: region?.cropper)
        self.preprocessing = preprocessing
        let store = try job.featureStoreDirectory.map { try FeatureStore(directory: $0, teacher: teacher, preprocessing: preprocessing) }
        let synthesis = stages.indices.map { method.syntheticAnomalies(for: configuration, stage: $0) }
        self.synthesis = synthesis
        textures = try synthesis.contains { $0?.needsTextures == true } ? TextureSource.load(folder: configuration.textures) : nil
        let units = try TrainingUnit.all(job.dataset.trainSamples, preprocessing: preprocessing)
        self.units = units
        cache = try TeacherFeatureCache(units: units, teacher: teacher, preprocessing: preprocessing, store: store,
                                        batchSize: configuration.batchSize, memoryBudget: job.memoryBudget,
                                        events: events, isCancelled: isCancelled)
        batch = max(1, configuration.batchSize)
        let drawn = TrainingUnit.epochCount(units, tilesPerImage: tilesPerImage)
        perEpoch = configuration.needsTwoInputsPerBatch && drawn > 1 && drawn % batch == 1 ? drawn - 1 : drawn
    }

    /// Every remaining epoch; a new stage (or the first epoch of this process) gets its own
    /// optimisers and its own best epoch (losses of different stages measure different things).
    func train(events: (TrainingEvent) -> Void, isCancelled: () -> Bool) throws {
        let run = job.run
        // Hashed once: the weights files are tens of megabytes and every epoch's checkpoint records them.
        let teacherIdentity = TeacherIdentity.describe(teacher.weights)
        let log = try TrainLog(path: run.trainLog, keepingEpochsThrough: startEpoch)
        let started = Date()
        var best = BestEpoch(path: run.bestEpochWeights)
        var optimizer: StageOptimizers?
        model.train()
        for epoch in (startEpoch + 1)...configuration.epochs {
            let (stage, epochInStage) = TrainingStage.locate(epoch: epoch, in: stages)
            if optimizer?.stage != stage {
                let made = StageOptimizers(stage: stage, of: stages, optimization: model.optimization(forStage: stage, configuration: configuration),
                                           cosinePeriod: configuration.cosinePeriod(stageEpochs: stages[stage].epochs))
                if optimizer == nil, let resumed { made.restore(resumed.optimizer) }
                // The last stage's activations have other shapes: free them rather than keep them for reuse.
                if optimizer != nil { Tensor.releaseCachedBuffers() }
                optimizer = made
                best = BestEpoch(path: run.bestEpochWeights, losses: log.meanLosses.filter { $0.key >= epoch - epochInStage })
                if stages.count > 1 { events(.stageStarted(index: stage, count: stages.count, name: stages[stage].name, epochs: stages[stage].epochs)) }
                frozen = nil  // the last stage's, freed before this one's are made
                frozen = try keepFrozenFeatures(stage: stage, events: events, isCancelled: isCancelled)
            }
            guard let optimizer else { break }
            optimizer.schedule(epochInStage: epochInStage)
            let epochStart = Date()
            let (rows, features) = try trainEpoch(epoch, stage: stage, optimizer: optimizer, started: started, events: events, isCancelled: isCancelled)
            let meanLoss = rows.map(\.loss).reduce(0, +) / Float(max(rows.count, 1))
            let epochSeconds = Date().timeIntervalSince(epochStart)
            var metadata = CheckpointMetadata(configuration: configuration, data: job.dataset.source, epoch: epoch, threshold: nil,
                                              teacherWeights: teacherIdentity, tiling: tiling, tilesPerImage: tilesPerImage,
                                              teacherWeightsPaths: teacher.weights, region: region?.reference)
            metadata.threads = Parallel.coreCount
            var checks: [TrainingEvent] = []
            if epoch == configuration.epochs {
                checks = try finalChecks(rows: rows, meanLoss: meanLoss, best: best, features: features)
            } else {
                try best.record(epoch: epoch, loss: meanLoss, model: model, metadata: metadata)
            }
            // Log first, then the checkpoint: on resume, rows past the checkpoint's epoch go.
            try log.append(rows)
            try Checkpoint(model: model.stateDictionary(), optimizer: optimizer.state, metadata: metadata).write(to: run.checkpoint)
            if epoch == startEpoch + 1 { run.removeEvaluation() }
            events(.epochFinished(epoch: epoch, meanLoss: meanLoss, seconds: epochSeconds))
            checks.forEach(events)
        }
        best.remove()
    }

    /// One epoch's steps in its seeded order: its log rows, and how to fetch the cached
    /// teacher features of its batch `step` (the final checks replay them).
    private func trainEpoch(_ epoch: Int, stage: Int, optimizer: StageOptimizers, started: Date, events: (TrainingEvent) -> Void,
                            isCancelled: () -> Bool) throws -> (rows: [TrainLog.Row], features: (Int) throws -> [Tensor]) {
        var generator = SeededGenerator(seed: configuration.seed &+ UInt64(epoch) &* 0x9E37_79B9)
        let order = Array(TrainingUnit.epochOrder(units, tilesPerImage: tilesPerImage, using: &generator).prefix(perEpoch))
        let (cache, batch) = (self.cache, self.batch)
        func unitsOf(_ step: Int) -> [Int] { Array(order[(step * batch)..<min(order.count, (step + 1) * batch)]) }
        let features: (Int) throws -> [Tensor] = { step in try cache.batch(unitsOf(step)) }
        // With augmentation the teacher sees this epoch's changed inputs instead, and with
        // synthetic defects it also sees the defective inputs, a batch at a time; the
        // images are read and changed ahead on the loader's threads.
        let synthesis = self.synthesis[stage]
        let augmentation = configuration.effectiveAugmentation
        let made = augmentation.isActive || synthesis != nil || model.readsImages
            ? StepBatches(units: units, order: order, batchSize: batch, preprocessing: preprocessing,
                          augmentation: augmentation.isActive ? augmentation : nil,
                          synthesis: synthesis, textures: textures, keepsImages: model.readsImages,
                          seed: configuration.seed, epoch: epoch) : nil
        let epochStart = Date()
        var rows: [TrainLog.Row] = []
        for step in 0..<stepsPerEpoch {
            if isCancelled() { throw RunError.cancelled }
            let inputs = try made?.next()
            let teacherFeatures = try inputs.flatMap { $0.isAugmented ? $0.good : nil }
                .map { augmented in withoutGradients { teacher.features(augmented) } } ?? features(step)
            let synthetic = inputs.flatMap { inputs in
                inputs.defective.map { defective in
                    SyntheticAnomalyBatch(masks: defective.masks, images: defective.inputs) { [teacher] in
                        withoutGradients { Self.twinFeatures(defective.inputs, clean: inputs.cleanTwins, good: teacherFeatures, teacher: teacher) }
                    }
                }
            }
            let frozenFeatures = inputs.flatMap { inputs in
                inputs.isAugmented ? nil : inputs.good.flatMap { good in frozen?.features(of: unitsOf(step), images: good) }
            }
            let loss = model.trainingLoss(TrainingBatch(teacherFeatures: teacherFeatures, synthetic: synthetic, images: inputs?.good, stage: stage,
                                                        frozenFeatures: frozenFeatures))
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
        return (rows, features)
    }

    /// The features of a network the model keeps frozen through `stage`, of every good unit
    /// within the memory budget left beside the teacher's features; nil when the model has
    /// none or the inputs are augmented (then they change every epoch).
    private func keepFrozenFeatures(stage: Int, events: (TrainingEvent) -> Void, isCancelled: () -> Bool) throws -> FrozenFeatureCache? {
        guard model.readsImages, !configuration.effectiveAugmentation.isActive, let network = model.frozenFeatures(forStage: stage) else { return nil }
        let (units, preprocessing) = (self.units, self.preprocessing)
        events(.keepingFrozenFeatures(done: 0, total: units.count))
        return try FrozenFeatureCache(network: network, count: units.count, batchSize: batch,
                                      budget: max(0, job.memoryBudget - cache.bytesInMemory), inputs: { range in
            var prepared: [String: Preprocessing.Prepared] = [:]
            return Tensor.concatenate(try range.map { index in
                let path = units[index].sample.path
                if prepared[path] == nil { prepared[path] = try preprocessing.prepare(path) }
                return units[index].input(from: prepared[path]!, preprocessing)
            }, alongAxis: 0)
        }, progress: { events(.keepingFrozenFeatures(done: $0, total: units.count)) }, isCancelled: isCancelled)
    }

    /// The teacher's features of a batch's twins: the teacher runs on the defective ones only;
    /// a clean twin is its good input, whose features the step already has.
    static func twinFeatures(_ twins: Tensor, clean: [Int], good: [Tensor], teacher: Teacher) -> [Tensor] {
        guard !clean.isEmpty else { return teacher.features(twins) }
        let count = twins.shape[0]
        let defective = (0..<count).filter { !clean.contains($0) }
        guard !defective.isEmpty else { return good }
        func rows(_ x: Tensor, _ indices: [Int]) -> Tensor {
            Tensor.concatenate(indices.map { x.sliced(alongAxis: 0, $0..<($0 + 1)) }, alongAxis: 0)
        }
        let computed = teacher.features(rows(twins, defective))
        return zip(good, computed).map { good, computed in
            Tensor.concatenate((0..<count).map { index in
                if let row = defective.firstIndex(of: index) { return computed.sliced(alongAxis: 0, row..<(row + 1)) }
                return good.sliced(alongAxis: 0, index..<(index + 1))
            }, alongAxis: 0)
        }
    }

    /// After the final epoch, before its checkpoint (a run killed here redoes that epoch):
    /// the best epoch's weights if the last one spiked, then the BatchNorm check, comparing
    /// like with like: the kept epoch's loss on the good images.
    private func finalChecks(rows: [TrainLog.Row], meanLoss: Float, best: BestEpoch, features: (Int) throws -> [Tensor]) throws -> [TrainingEvent] {
        func goodImageMean(_ rows: [TrainLog.Row]) -> Float { rows.map(\.goodImageLoss).reduce(0, +) / Float(max(rows.count, 1)) }
        var events: [TrainingEvent] = []
        var trainingLoss = goodImageMean(rows)
        if let kept = try best.restoreIfSpiked(finalLoss: meanLoss, into: model) {
            events.append(.restoredBestEpoch(epoch: kept, loss: best.loss, finalLoss: meanLoss))
            let keptRows = TrainLog.rows(at: job.run.trainLog, throughEpoch: kept).filter { $0.epoch == kept }
            trainingLoss = keptRows.isEmpty ? best.loss : goodImageMean(keptRows)
        }
        // The check replays cached teacher features; a student that reads images is not checked.
        if !model.readsImages {
            events.append(.checkedRunningStatistics(try RunningStatisticsCheck.run(on: model, trainingLoss: trainingLoss, batchCount: stepsPerEpoch,
                                                                                   features: features)))
        }
        return events
    }
}
