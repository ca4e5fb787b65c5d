import Foundation
import LoupeData
import LoupeImaging
import LoupeModels
import LoupeTensor

/// The methods' hot parts beside PyTorch (scripts/methods-peer.py) in the same run: rd-mff's
/// transformer encoder layer on the 8×8 and 16×16 grids (128 channels, 4 heads, batch 8),
/// forward and forward+backward, and a whole rd-mff training step on cached
/// EfficientNet-Lite0 features at 256² (batch 8, Adam); pfadseg's dilated PCAR branches, a
/// whole step of its denoising student at 256² (batch 8, SGD) and one of its segmentation
/// stage (the frozen student on 8 good and 8 defective images, the network on their discrepancy);
/// the same two steps of stu-seg, one rd-dual step on Lite0 + Lite2 features (Adam), one
/// sacd step (good and defective features as one batch, Adam); then every method's scoring
/// pass on one 256² input (`addScoringCases`), and the ROI segmenter's (`addRegionCases`).
enum MethodBenchmark {
    static func run(repository: String, repeats: Int, warmup: Int, threads: Int, comparePeer: Bool, wants: @escaping (String) -> Bool, profile: Bool = false) {
        var generator = SeededGenerator(seed: 3)
        var cases = BenchmarkList(wants: wants)
        for grid in [8, 16] {
            let name = "transformer_layer_128c_4h_\(grid)x\(grid)_n8"
            // Built at the first case that asks, then shared by both.
            lazy var layer = TransformerEncoderLayer(embedding: 128, heads: 4, feedForward: 512, using: &generator)
            lazy var x = Tensor.randomNormal([8, grid * grid, 128], using: &generator)
            cases.add(name + "_fwd") {
                let (layer, x) = (layer, x)
                return { _ = withoutGradients { layer(x) } }
            }
            cases.add(name + "_fwdbwd") {
                let (layer, x) = (layer, x)
                let (tracked, gradient) = (x.requiringGradient(), Tensor.randomNormal(x.shape, using: &generator))
                return {
                    for parameter in layer.parameters { parameter.zeroGradient() }
                    layer(tracked).backward(gradient: gradient)
                }
            }
        }
        addActivationCases(to: &cases, using: &generator)
        cases.add("rd-mff_step_lite0_256_n8") {
            guard let model = lite0Model("rd-mff") else { return nil }
            let batch = TrainingBatch(teacherFeatures: lite0Features(using: &generator))
            return trainingStep(model, batch, Adam(parameters: model.parameters, learningRate: 0.005, betas: (0.5, 0.999)))
        }
        addPFADSegCases(to: &cases, using: &generator)
        addTwoStageCases("stu-seg", to: &cases, using: &generator)
        cases.add("rd-dual_step_256_n8") {
            guard let model = dualModel() else { return nil }
            return trainingStep(model, TrainingBatch(teacherFeatures: features(channels: dualChannels, using: &generator)), Adam(parameters: model.parameters, learningRate: 0.005, betas: (0.5, 0.999)))
        }
        cases.add("sacd_step_256_n8") {
            // 8 good and 8 defective images' features, a 64×128 defect in each (the contrastive term's cells).
            guard let model = lite0Model("sacd") else { return nil }
            let synthetic = SyntheticAnomalyBatch(teacherFeatures: lite0Features(using: &generator), masks: defectMasks())
            let batch = TrainingBatch(teacherFeatures: lite0Features(using: &generator), synthetic: synthetic)
            return trainingStep(model, batch, Adam(parameters: model.parameters, learningRate: 0.005, betas: (0.5, 0.999)))
        }
        addScoringCases(to: &cases, using: &generator)
        addRegionCases(to: &cases, using: &generator)
        let benchmarks = cases.benchmarks
        guard !benchmarks.isEmpty else { return }
        if profile { return benchmarks.forEach { $0.profile() } }
        var results = benchmarks.map { BenchmarkResult(name: $0.name, gigaflops: nil, samples: $0.sample(repeats: repeats, warmup: warmup)) }
        var theirs: [String: Double] = [:]
        if comparePeer {
            for object in PythonPeer.jsonLines(repository + "/scripts/methods-peer.py",
                                               ["--repeats", "\(repeats)", "--warmup", "\(warmup)", "--threads", "\(threads)"], showErrors: true) ?? [] {
                if let name = object["name"] as? String, let ms = object["ms"] as? Double { theirs[name] = ms }
            }
            // Ours again after theirs, so both sides see the machine in the same state.
            for (index, benchmark) in benchmarks.enumerated() { results[index].samples += benchmark.sample(repeats: repeats, warmup: 1) }
        }
        print("")
        print("methods (rd-mff's transformer filter and training step; pfadseg's dilated PCAR convolutions, student and segmentation steps; "
              + "stu-seg's student and segmentation steps; rd-dual's and sacd's steps; every method's scoring pass):")
        print("benchmark".padded(to: 44) + "  loupe ms   torch ms    ratio")
        for result in results {
            let line = result.name.padded(to: 44) + String(format: "%10.2f", result.milliseconds)
            print(line + (theirs[result.name].map { String(format: " %10.2f %7.2fx", $0, $0 / result.milliseconds) } ?? "          —"))
        }
    }
}

extension MethodBenchmark {
    /// pfadseg's PCAR branches at the student's first width and resolution (32 channels,
    /// 64², dilations 2 and 3, forward+backward) and at each scale its scoring pass runs
    /// (batch 1, forward), one stage-1 step of its student (default
    /// width 32, 256² images, EfficientNet-Lite0's channels, SGD as the method's) and one
    /// stage-2 step (the frozen student on 8 good and 8 defective images, the segmentation
    /// network on their discrepancy).
    static func addPFADSegCases(to cases: inout BenchmarkList, using generator: inout SeededGenerator) {
        // Inputs, model and images are built at the first case that asks, then shared.
        lazy var x = Tensor.randomNormal([8, 32, 64, 64], using: &generator).requiringGradient()
        lazy var gradient = Tensor.randomNormal([8, 32, 64, 64], using: &generator)
        for (channels, side) in [(256, 8), (128, 16), (64, 32), (64, 64)] {
            for dilation in [2, 3] {
                cases.add("conv3x3_dilation\(dilation)_\(channels)c_\(side)x\(side)_n1_fwd") {
                    let x = Tensor.randomNormal([1, channels, side, side], using: &generator)
                    let weight = Tensor.randomNormal([channels, channels, 3, 3], standardDeviation: 0.05, using: &generator)
                    return { _ = withoutGradients { x.conv2d(weight: weight, padding: Padding2D(dilation), dilation: dilation) } }
                }
            }
        }
        for dilation in [2, 3] {
            cases.add("conv3x3_dilation\(dilation)_32c_64x64_n8_fwdbwd") {
                let (x, gradient) = (x, gradient)
                let weight = Tensor.randomNormal([32, 32, 3, 3], standardDeviation: 0.05, using: &generator).requiringGradient()
                return { x.conv2d(weight: weight, padding: Padding2D(dilation), dilation: dilation).backward(gradient: gradient) }
            }
        }
        addTwoStageCases("pfadseg", to: &cases, using: &generator)
    }

    /// One stage-1 step of a two-stage method's student (default width 32, 256² images,
    /// EfficientNet-Lite0's channels, SGD as the method's), its SGD update alone, and one
    /// stage-2 step (the frozen student on 8 good and 8 defective images, the segmentation
    /// network on their discrepancy), also with the good images' student features kept.
    static func addTwoStageCases(_ method: String, to cases: inout BenchmarkList, using generator: inout SeededGenerator) {
        // Model, images and features are built at the first case that asks, then shared.
        lazy var model = lite0Model(method)
        lazy var images = Tensor.randomNormal([8, 3, 256, 256], using: &generator)
        lazy var teacherFeatures = lite0Features(using: &generator)
        cases.add("\(method)_student_step_256_n8") {
            guard let model else { return nil }
            let batch = TrainingBatch(teacherFeatures: teacherFeatures, images: images)
            return trainingStep(model, batch, StochasticGradientDescent(parameters: model.parameters, learningRate: 0.5, momentum: 0.9, weightDecay: 1e-4))
        }
        // The optimiser's update alone, over the whole model with every gradient set (the
        // step's part that is neither forward nor backward).
        cases.add("\(method)_sgd_update") {
            guard let model else { return nil }
            model.trainingLoss(TrainingBatch(teacherFeatures: teacherFeatures, images: images)).total.backward()
            let optimizer = StochasticGradientDescent(parameters: model.parameters, learningRate: 0.5, momentum: 0.9, weightDecay: 1e-4)
            return { optimizer.step() }
        }
        cases.add("\(method)_segmentation_step_256_n8") {
            guard let model else { return nil }
            // A 64×128 defect in each defective image; only the segmentation network learns.
            let synthetic = SyntheticAnomalyBatch(teacherFeatures: lite0Features(using: &generator), masks: defectMasks(),
                                                  images: Tensor.randomNormal([8, 3, 256, 256], using: &generator))
            let batch = TrainingBatch(teacherFeatures: teacherFeatures, synthetic: synthetic, images: images, stage: 1)
            let segmentation = model.optimization(forStage: 1, configuration: TrainingConfiguration()).groups.flatMap(\.parameters)
            return trainingStep(model, batch, StochasticGradientDescent(parameters: segmentation, learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4))
        }
        // The same step as training runs it after the stage's first epoch: the frozen student's
        // features of the good images kept, the student on the defective ones only (no peer).
        cases.add("\(method)_segmentation_step_kept_256_n8") {
            guard let model, let network = model.frozenFeatures(forStage: 1) else { return nil }
            let kept = network(images)
            let synthetic = SyntheticAnomalyBatch(teacherFeatures: lite0Features(using: &generator), masks: defectMasks(),
                                                  images: Tensor.randomNormal([8, 3, 256, 256], using: &generator))
            let batch = TrainingBatch(teacherFeatures: teacherFeatures, synthetic: synthetic, images: images, stage: 1, frozenFeatures: kept)
            let segmentation = model.optimization(forStage: 1, configuration: TrainingConfiguration()).groups.flatMap(\.parameters)
            return trainingStep(model, batch, StochasticGradientDescent(parameters: segmentation, learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4))
        }
    }

    /// Each method's scoring pass on one 256² input, as `loupe infer` runs it once the
    /// teacher has its features: the network in eval mode, then its anomaly map at 256²
    /// before the blur (rd, rd-mff, sacd, rd-dual: Σ 1 − cos upsampled; pfadseg, stu-seg: the student
    /// on the image, the segmentation network's probabilities upsampled).
    static func addScoringCases(to cases: inout BenchmarkList, using generator: inout SeededGenerator) {
        lazy var image = Tensor.randomNormal([1, 3, 256, 256], using: &generator)
        for method in MethodRegistry.names {
            cases.add("\(method)_scoring_256_n1") {
                let dual = method == "rd-dual"
                guard let model = dual ? dualModel() : lite0Model(method) else { return nil }
                model.eval()
                let features = features(channels: dual ? dualChannels : lite0Channels, batch: 1, using: &generator)
                let image = image
                return { _ = withoutGradients { model.anomalyMaps(images: image, teacherFeatures: features, height: 256, width: 256) } }
            }
        }
        // The blur every map gets after its pass (σ = 4, as scipy's gaussian_filter in the peer).
        cases.add("blur_sigma4_256_n1") {
            let map = Tensor.randomNormal([1, 256, 256], using: &generator), blur = GaussianBlur(sigma: 4)
            return { _ = blur(map) }
        }
        // The Perlin mask the loader draws for each texture-blend defect (sacd, pfadseg, stu-seg),
        // on the loader's thread beside the step: 256², lattices and rotations as drawn in training.
        cases.add("perlin_mask_256") {
            var masks = SeededGenerator(seed: 11)
            return { _ = AnomalySynthesizer.perlinMask(width: 256, height: 256, using: &masks) }
        }
        // A whole texture-blend defect on a 256² colour crop: a shipped texture cropped and
        // resized, the mask, the blend (the loader's work per defective image).
        cases.add("texture_blend_256") {
            var draws = SeededGenerator(seed: 12)
            let image = Image(width: 256, height: 256, channels: 3, pixels: (0..<(3 * 256 * 256)).map { Float($0 % 251) })
            guard let textures = try? TextureSource.load(folder: nil) else { return {} }
            return { _ = try? AnomalySynthesizer.textureBlend(image, texture: textures.randomTexture(using: &draws), using: &draws) }
        }
    }

    /// The ROI segmenter (a Lite0 encoder at output stride 16, random weights): one training
    /// step as `loupe roi train`'s (8 frames at 256², BCE on the logits, Adam, the encoder
    /// fine-tuned) and one scoring pass on one frame, as `RegionSegmenter.mask` runs it.
    static func addRegionCases(to cases: inout BenchmarkList, using generator: inout SeededGenerator) {
        lazy var model = RegionSegmentationModel(encoder: EfficientNetLite(.lite0, outputStride: 16, using: &generator), using: &generator)
        cases.add("roi_step_256_n8") {
            let model = model
            model.train()
            let frames = Tensor.randomNormal([8, 3, 256, 256], using: &generator)
            let masks = Tensor(shape: [8, 1, 256, 256], scalars: (0..<(8 * 256 * 256)).map { _ in generator.nextUniform() < 0.5 ? 1 : 0 })
            let optimizer = Adam(parameters: model.parameters, learningRate: 0.002, betas: (0.5, 0.999))
            return {
                let loss = model(frames).binaryCrossEntropyElements(withLogitsTargets: masks).mean()
                optimizer.zeroGradients()
                loss.backward()
                optimizer.step()
            }
        }
        cases.add("roi_scoring_256_n1") {
            let model = model
            model.eval()
            let frame = Tensor.randomNormal([1, 3, 256, 256], using: &generator)
            return { _ = withoutGradients { model(frame).sigmoid() } }
        }
    }

    /// Default rd-dual on Lite0 + Lite2 (features concatenated per scale: 24+24, 40+48, 112+120 channels).
    static func dualModel() -> (any DistillationModel)? {
        var configuration = TrainingConfiguration()
        configuration.method = "rd-dual"
        let layout = TeacherLayout(backbones: [.efficientNetLite0, .efficientNetLite2], channels: [lite0Channels, [24, 48, 120]])
        return try? MethodRegistry.makeModel(for: configuration, teacher: layout)
    }

    /// The exponential activations the methods lean on, on 4M values (16×64×64×64): sigmoid
    /// (segmentation maps, attention gates), softmax over 64 channels (PCAR's weights, SFM),
    /// GELU forward and backward (RCM, the transformer's MLP).
    static func addActivationCases(to cases: inout BenchmarkList, using generator: inout SeededGenerator) {
        lazy var x = Tensor.randomNormal([16, 64, 64, 64], using: &generator)
        cases.add("sigmoid_4M") {
            let x = x
            return { _ = withoutGradients { x.sigmoid() } }
        }
        cases.add("softmax_64c_4M") {
            let x = x
            return { _ = withoutGradients { x.softmax(alongAxis: 1) } }
        }
        cases.add("gelu_4M_fwdbwd") {
            let (tracked, gradient) = (x.requiringGradient(), Tensor.randomNormal(x.shape, using: &generator))
            return { tracked.gelu().backward(gradient: gradient) }
        }
    }

    /// A 64×128 defect in each of 8 images at 256², as the PyTorch side's.
    static func defectMasks() -> Tensor {
        Tensor(shape: [8, 1, 256, 256], scalars: (0..<(8 * 256 * 256)).map { index in
            let (row, column) = (index / 256 % 256, index % 256)
            return (96..<160).contains(row) && (64..<192).contains(column) ? 1 : 0
        })
    }

    /// A method's model for EfficientNet-Lite0's three stages, default settings.
    static func lite0Model(_ method: String) -> (any DistillationModel)? {
        var configuration = TrainingConfiguration()
        configuration.method = method
        return try? MethodRegistry.makeModel(for: configuration, teacher: .single(.efficientNetLite0, channels: lite0Channels))
    }

    /// EfficientNet-Lite0's channels at strides 4, 8, 16, and Lite0 + Lite2's concatenated (rd-dual).
    static let lite0Channels = [24, 40, 112], dualChannels = [48, 88, 232]

    /// Random teacher features of `batch` images at 256²: strides 4, 8 and 16.
    static func features(channels: [Int], batch: Int = 8, using generator: inout SeededGenerator) -> [Tensor] {
        channels.enumerated().map { index, channels in Tensor.randomNormal([batch, channels, 64 >> index, 64 >> index], using: &generator) }
    }

    /// Random EfficientNet-Lite0 features of 8 images at 256².
    static func lite0Features(using generator: inout SeededGenerator) -> [Tensor] { features(channels: lite0Channels, using: &generator) }

    /// One training step timed whole: loss, backward, optimiser.
    static func trainingStep(_ model: any DistillationModel, _ batch: TrainingBatch, _ optimizer: any Optimizer) -> () -> Void {
        {
            let loss = model.trainingLoss(batch).total
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
        }
    }
}
