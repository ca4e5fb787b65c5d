import Foundation
import LoupeFormats
import LoupeImaging
import LoupeModels
import LoupeTensor

/// Trains the ROI segmenter (paper 000 §3.1) from a handful of frames with part masks: BCE
/// on the logits, Adam (lr 0.002, β 0.5/0.999) with cosine annealing to 0, random
/// horizontal and vertical flips, as §4.1. The encoder starts from the pretrained teacher
/// and is fine-tuned. The checkpoint is replaced atomically after every epoch.
public struct RegionTrainingJob: Sendable {
    public struct Settings: Sendable {
        public var backbone = BackboneName.efficientNetLite0.rawValue
        /// Encoder weights (nil: the installed ones).
        public var weights: String?
        public var imageSize = 256
        public var epochs = 60
        public var batchSize = 8
        public var learningRate: Float = 0.002
        public var seed: UInt64 = 0

        public init() {}
    }

    public enum Event: Sendable {
        case step(epoch: Int, step: Int, steps: Int, loss: Float)
        case epochFinished(epoch: Int, meanLoss: Float, seconds: Double)
    }

    public let run: RegionRun
    public let samples: RegionSamples
    public let settings: Settings

    public init(run: RegionRun, samples: RegionSamples, settings: Settings) {
        self.run = run
        self.samples = samples
        self.settings = settings
    }

    public func start(events: (Event) -> Void = { _ in }, isCancelled: () -> Bool = { false }) throws {
        guard !run.exists else { throw RunError.alreadyExists(path: run.path) }
        guard let backbone = BackboneName(rawValue: settings.backbone) else { throw RegionError.unsupportedBackbone(name: settings.backbone) }
        let weights = try settings.weights ?? backbone.defaultWeightsPath()
        let model = try RegionSegmentationModel.make(backbone: settings.backbone, weights: weights, seed: settings.seed)
        let size = settings.imageSize
        // Every frame and mask is read (and checked) before the run folder is touched.
        let frames = try samples.pairs.map { try ImageFile.read($0.image, resizedTo: size, size).rgb() }
        let masks = try samples.pairs.map { pair in
            Image(width: size, height: size, channels: 1, pixels: try RegionSamples.mask(pair.mask, width: size, height: size).map { $0 ? 1 : 0 })
        }
        try RunFolder.createFolder(run.path)
        let encoderIdentity = TeacherIdentity.describe([weights])  // hashed once, recorded every epoch
        var log = CSV.record(["epoch", "step", "loss", "learning_rate"])
        let optimizer = Adam(parameters: model.parameters, learningRate: settings.learningRate, betas: (0.5, 0.999))
        // BatchNorm in training mode needs two frames per step (AMAM's pooled branch is 1×1):
        // a lone last frame joins the step before.
        guard frames.count >= 2 else { throw RegionError.tooFewFrames(count: frames.count) }
        let batch = max(2, settings.batchSize)
        var starts = Array(stride(from: 0, to: frames.count, by: batch))
        if frames.count - starts[starts.count - 1] == 1 { starts.removeLast() }
        let steps = starts.count
        model.train()
        for epoch in 1...settings.epochs {
            let started = Date()
            optimizer.learningRate = settings.learningRate * Float(0.5 * (1 + cos(Double.pi * Double(epoch - 1) / Double(settings.epochs))))
            var generator = SeededGenerator(seed: settings.seed &+ UInt64(epoch) &* 0x9E37_79B9)
            var order = Array(frames.indices)
            order.shuffle(using: &generator)
            var losses: [Float] = []
            for step in 0..<steps {
                if isCancelled() { throw RunError.cancelled }
                var inputs: [Tensor] = [], targets: [Tensor] = []
                let end = step + 1 < steps ? starts[step + 1] : order.count
                for index in order[starts[step]..<end] {
                    var (frame, mask) = (frames[index], masks[index])
                    if generator.next() % 2 == 1 { (frame, mask) = (frame.flippedHorizontally(), mask.flippedHorizontally()) }
                    if generator.next() % 2 == 1 { (frame, mask) = (frame.flippedVertically(), mask.flippedVertically()) }
                    inputs.append(frame.tensor(normalization: .efficientNetLite))
                    targets.append(Tensor(shape: [1, 1, size, size], scalars: mask.pixels))
                }
                let logits = model(Tensor.concatenate(inputs, alongAxis: 0))
                let loss = logits.binaryCrossEntropyElements(withLogitsTargets: Tensor.concatenate(targets, alongAxis: 0)).mean()
                optimizer.zeroGradients()
                loss.backward()
                optimizer.step()
                losses.append(loss.item)
                log += CSV.record(["\(epoch)", "\(step + 1)", "\(loss.item)", "\(optimizer.learningRate)"])
                events(.step(epoch: epoch, step: step + 1, steps: steps, loss: loss.item))
            }
            let metadata = RegionRunMetadata(backbone: settings.backbone, imageSize: size, epochs: settings.epochs, epoch: epoch,
                                             batchSize: batch, learningRate: settings.learningRate, seed: settings.seed,
                                             teacherWeights: encoderIdentity)
            try RunFolder.write(log, to: run.log)
            try run.write(model: model, metadata: metadata)
            events(.epochFinished(epoch: epoch, meanLoss: losses.reduce(0, +) / Float(max(losses.count, 1)), seconds: Date().timeIntervalSince(started)))
        }
    }
}
