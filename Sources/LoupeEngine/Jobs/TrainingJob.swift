import Foundation
import LoupeData
import LoupeModels
import LoupeTensor

/// What a training job reports as it goes.
public enum TrainingEvent: Sendable {
    /// `fromDisk` of the `done` images came from the feature store instead of the teacher.
    case cachingTeacherFeatures(done: Int, total: Int, fromDisk: Int)
    case step(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Float, learningRate: Float, imagesPerSecond: Double)
    case epochFinished(epoch: Int, meanLoss: Float, seconds: Double)
    case resumed(fromEpoch: Int)
}

/// Trains Reverse Distillation's bottleneck and student on a data set's good images.
///
/// The frozen teacher's features of the (unaugmented) training images are computed once
/// and kept, so an epoch costs only the student. After every epoch the checkpoint
/// (weights, Adam state, epoch) is written atomically and the epoch's log rows appended:
/// killed at any moment, the run loses at most the epoch in progress, and `resume` then
/// continues exactly as an uninterrupted run would (the shuffle depends only on seed and
/// epoch).
public struct TrainingJob: Sendable {
    public let run: RunFolder
    public let dataset: Dataset
    public let configuration: ReverseDistillationConfiguration
    public let teacherWeights: String?
    public let resume: Bool
    /// Where teacher features persist between runs (`FeatureStore`); nil keeps them in memory only.
    public let featureStoreDirectory: String?

    public init(run: RunFolder, dataset: Dataset, configuration: ReverseDistillationConfiguration, teacherWeights: String?, resume: Bool,
                featureStoreDirectory: String? = nil) {
        self.featureStoreDirectory = featureStoreDirectory
        self.run = run
        self.dataset = dataset
        self.configuration = configuration
        self.teacherWeights = teacherWeights
        self.resume = resume
    }

    /// Runs to the configured epoch count; `isCancelled` is polled once per batch.
    public func start(events: (TrainingEvent) -> Void = { _ in }, isCancelled: () -> Bool = { false }) throws {
        guard let backbone = configuration.backboneName else { throw RunError.unknownBackbone(name: configuration.backbone) }
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
        let weightsPath = try teacherWeights ?? backbone.defaultWeightsPath()
        let teacher = try backbone.pretrained(weights: weightsPath)
        let model = ReverseDistillationModel(backbone: backbone, teacherChannels: teacher.stageChannels, seed: configuration.seed)
        let optimizer = Adam(parameters: model.parameters, learningRate: configuration.learningRate,
                             betas: (configuration.beta1, configuration.beta2))
        if let resumed {
            try model.loadStateDictionary(resumed.model, source: run.checkpoint)
            optimizer.restore(resumed.optimizer)
        }
        guard startEpoch < configuration.epochs else { return }
        // Every image is read before the run folder is touched: a bad file stops the job
        // with nothing written.
        let preprocessing = Preprocessing(size: configuration.imageSize, normalization: backbone.normalization)
        let store = try featureStoreDirectory.map {
            try FeatureStore(directory: $0, teacherWeights: weightsPath, backbone: backbone, preprocessing: preprocessing)
        }
        let cache = try TeacherFeatureCache(samples: samples, teacher: teacher, preprocessing: preprocessing, store: store,
                                            batchSize: configuration.batchSize, events: events, isCancelled: isCancelled)
        try run.create()
        try writeConfiguration(teacherWeights: weightsPath)
        let log = try TrainLog(path: run.trainLog, keepingEpochsThrough: startEpoch)
        let schedule: any LearningRateSchedule = configuration.cosineAnnealing
            ? CosineAnnealingSchedule(base: configuration.learningRate, period: configuration.epochs)
            : ConstantSchedule(configuration.learningRate)
        let batch = max(1, configuration.batchSize)
        let stepsPerEpoch = (samples.count + batch - 1) / batch
        let started = Date()
        model.train()
        for epoch in (startEpoch + 1)...configuration.epochs {
            optimizer.learningRate = schedule.learningRate(at: epoch - 1)
            var generator = SeededGenerator(seed: configuration.seed &+ UInt64(epoch) &* 0x9E37_79B9)
            let order = Array(0..<samples.count).shuffled(using: &generator)
            let epochStart = Date()
            var rows: [TrainLog.Row] = []
            for step in 0..<stepsPerEpoch {
                if isCancelled() { throw RunError.cancelled }
                let indices = Array(order[(step * batch)..<min(samples.count, (step + 1) * batch)])
                let features = cache.batch(indices)
                let loss = reverseDistillationLoss(teacher: features, student: model(features))
                optimizer.zeroGradients()
                loss.backward()
                optimizer.step()
                let elapsed = Date().timeIntervalSince(epochStart)
                let done = min(samples.count, (step + 1) * batch)
                rows.append(TrainLog.Row(epoch: epoch, step: step + 1, loss: loss.item, learningRate: optimizer.learningRate,
                                         seconds: Date().timeIntervalSince(started)))
                events(.step(epoch: epoch, step: step + 1, stepsPerEpoch: stepsPerEpoch, loss: loss.item,
                             learningRate: optimizer.learningRate, imagesPerSecond: Double(done) / max(elapsed, 1e-9)))
            }
            // Log first, then the checkpoint: on resume, rows past the checkpoint's epoch go.
            try log.append(rows)
            let metadata = CheckpointMetadata(configuration: configuration, dataRoot: dataset.root, epoch: epoch, threshold: nil,
                                              teacherWeights: TeacherIdentity.describe(weightsPath))
            try Checkpoint(model: model.stateDictionary(), optimizer: optimizer.state, metadata: metadata).write(to: run.checkpoint)
            let meanLoss = rows.map(\.loss).reduce(0, +) / Float(max(rows.count, 1))
            events(.epochFinished(epoch: epoch, meanLoss: meanLoss, seconds: Date().timeIntervalSince(epochStart)))
        }
    }

    /// `config.toml`: the run's settings for people and scripts to read (the checkpoint's
    /// metadata is what Loupe itself reloads).
    private func writeConfiguration(teacherWeights: String) throws {
        let c = configuration
        let score: String
        switch c.imageScore {
        case .maximum: score = "\"max\""
        case let .topMean(k): score = "\"top-\(k)-mean\""
        }
        let lines = [
            "# Written by `loupe train`; the checkpoint's metadata is authoritative.",
            "method = \"rd\"",
            "data = \(TOML.quoted(dataset.root))",
            "teacher_weights = \(TOML.quoted(teacherWeights))",
            "",
            "[rd]",
            "backbone = \(TOML.quoted(c.backbone))",
            "image_size = \(c.imageSize)",
            "epochs = \(c.epochs)",
            "batch_size = \(c.batchSize)",
            "learning_rate = \(c.learningRate)",
            "betas = [\(c.beta1), \(c.beta2)]",
            "cosine_annealing = \(c.cosineAnnealing)",
            "seed = \(c.seed)",
            "blur_sigma = \(c.blurSigma)",
            "image_score = \(score)",
        ]
        try RunFolder.write(lines.joined(separator: "\n") + "\n", to: run.configuration)
    }
}

/// TOML string quoting (basic strings: backslash, quote and control characters escaped).
enum TOML {
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04X", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

/// Names a teacher weights file by name and size: enough to notice a different file.
enum TeacherIdentity {
    static func describe(_ path: String) -> String {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return "\((path as NSString).lastPathComponent) (\(size) bytes)"
    }
}

/// The teacher's features of every training image, computed once (or read from a
/// `FeatureStore`) and kept in memory for every epoch.
struct TeacherFeatureCache {
    /// Per scale, all images: N×C×h×w.
    let scales: [Tensor]

    init(samples: [Sample], teacher: any Backbone, preprocessing: Preprocessing, store: FeatureStore?, batchSize: Int,
         events: (TrainingEvent) -> Void, isCancelled: () -> Bool) throws {
        var perImage = [[Tensor]?](repeating: nil, count: samples.count)
        var entries = [String?](repeating: nil, count: samples.count)
        if let store {
            for (index, sample) in samples.enumerated() {
                let entry = try store.entry(forImage: sample.path)
                entries[index] = entry
                perImage[index] = store.load(entry)
            }
        }
        let fromDisk = perImage.filter { $0 != nil }.count
        let missing = perImage.indices.filter { perImage[$0] == nil }
        events(.cachingTeacherFeatures(done: fromDisk, total: samples.count, fromDisk: fromDisk))
        let loader = PrefetchingLoader(count: missing.count, prefetch: 2 * batchSize) { try preprocessing.input(samples[missing[$0]].path) }
        var pending: [(index: Int, input: Tensor)] = []
        var done = fromDisk
        func flush() {
            guard !pending.isEmpty else { return }
            let features = withoutGradients { teacher.features(Tensor.concatenate(pending.map(\.input), alongAxis: 0), stageCount: 3) }
            for (position, item) in pending.enumerated() {
                let own = features.map { $0.sliced(alongAxis: 0, position..<(position + 1)) }
                perImage[item.index] = own
                // A full or read-only cache disk costs only the cache.
                if let store, let entry = entries[item.index] { try? store.save(own, to: entry) }
            }
            done += pending.count
            pending = []
            events(.cachingTeacherFeatures(done: done, total: samples.count, fromDisk: fromDisk))
        }
        for (position, result) in loader.enumerated() {
            if isCancelled() { throw RunError.cancelled }
            pending.append((missing[position], try result.get()))
            if pending.count == batchSize { flush() }
        }
        flush()
        let complete = perImage.compactMap { $0 }
        scales = (0..<(complete.first?.count ?? 0)).map { scale in Tensor.concatenate(complete.map { $0[scale] }, alongAxis: 0) }
    }
    /// The cached features of `indices`, as one batch per scale.
    func batch(_ indices: [Int]) -> [Tensor] {
        scales.map { scale in Tensor.concatenate(indices.map { scale.sliced(alongAxis: 0, $0..<($0 + 1)) }, alongAxis: 0) }
    }
}
