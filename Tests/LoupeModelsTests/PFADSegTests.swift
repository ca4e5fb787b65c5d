import Foundation
import LoupeData
@testable import LoupeModels
import LoupeTensor
import LoupeTestSupport
import Testing

/// pfadseg's pieces against PyTorch written from the same definitions (scripts/make-fixtures.py,
/// `pfadseg_cases`): AFF, SPR, PCAR, a PA_Residual block and RCM, forward and every gradient
/// (BatchNorm in training mode), and the segmentation loss; then the method as a whole.
@Suite struct PFADSegTests {
    static let fixtures = loadFixture(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/pfadseg.safetensors").path)

    static func check(_ name: String, _ module: Module, tolerance: Float = 1e-4, sourceLocation: SourceLocation = #_sourceLocation,
                      _ forward: ([Tensor]) -> Tensor) throws {
        try expectModuleMatchesFixture(module, fixtures, prefix: name, tolerance: tolerance, sourceLocation: sourceLocation, forward)
    }

    @Test func attentionalFeatureFusionMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 1)
        let module = AttentionalFeatureFusion(channels: 16, using: &generator)
        try Self.check("aff", module) { module($0[0], $0[1]) }
    }

    @Test func spatialPyramidRecalibrationMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 2)
        let module = SpatialPyramidRecalibration(channels: 12, using: &generator)
        try Self.check("spr", module) { module($0[0]) }
    }

    @Test func parallelConvolutionalAttentionMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 3)
        let module = ParallelConvolutionalAttention(channels: 8, using: &generator)
        try Self.check("pcar", module) { module($0[0]) }
    }

    @Test func pyramidAttentionBlockMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 4)
        let module = PyramidAttentionBlock(inChannels: 6, outChannels: 16, stride: 2, attention: PyramidAttention(), using: &generator)
        // Five training-mode BatchNorms deep, float32 rounding reaches 2·10⁻⁴ of the float64
        // reference; a wrong formula is off by far more.
        try Self.check("block", module, tolerance: 5e-4) { module($0[0]) }
    }

    @Test func rectangularSelfCalibrationMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 5)
        let module = RectangularSelfCalibration(channels: 8, using: &generator)
        try Self.check("rcm", module) { module($0[0]) }
    }

    @Test func segmentationLossMatchesTorchvisionFocalLossAndL1() {
        let case_ = fixtureCase(Self.fixtures, "loss")
        let logits = case_["logits"]!.requiringGradient()
        let (focal, l1) = segmentationLoss(logits: logits, masks: case_["masks"]!, gamma: 4)
        expectClose(focal, case_["focal"]!.reshaped([]), tolerance: 1e-6, "focal loss")
        expectClose(l1, case_["l1"]!.reshaped([]), tolerance: 1e-6, "L1 loss")
        (focal + l1).backward()
        expectClose(logits.gradient, case_["grad_logits"], tolerance: 1e-6, "∂loss/∂logits")
    }

    static func configuration(_ settings: [String: SettingValue] = [:], epochs: Int = 30) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.method = "pfadseg"
        configuration.settings = settings
        configuration.epochs = epochs
        return configuration
    }

    /// Two stages by the paper's 4000:3000 share, at least an epoch each; one without the
    /// segmentation network; none that cannot be trained, each refused with the way out.
    @Test func stagesSplitTheEpochs() throws {
        #expect(try PFADSeg.stages(for: Self.configuration()) == [TrainingStage(name: "student", epochs: 13), TrainingStage(name: "segmentation", epochs: 17)])
        #expect(try PFADSeg.stages(for: Self.configuration(epochs: 3)).map(\.epochs) == [1, 2])
        #expect(try PFADSeg.stages(for: Self.configuration(["segmentation_share": .real(0.95)], epochs: 4)).map(\.epochs) == [1, 3])
        #expect(try PFADSeg.stages(for: Self.configuration(["segmentation": .bool(false)], epochs: 1)) == [TrainingStage(name: "student", epochs: 1)])
        #expect(throws: MethodError.self) { try PFADSeg.stages(for: Self.configuration(epochs: 1)) }
        #expect(throws: MethodError.self) {
            try PFADSeg.stages(for: Self.configuration(["texture_blend": .real(0)]))
        }
        // The segmentation network draws its own defects, needed only when it trains.
        #expect(throws: MethodError.stagesDoNotFit(method: "pfadseg", detail: "the segmentation network learns from synthetic defects: give "
                                                       + "--segmentation-texture-blend, --segmentation-cut-paste, --segmentation-scar a share above 0")) {
            try PFADSeg.stages(for: Self.configuration(["segmentation_texture_blend": .real(0)]))
        }
        #expect(try PFADSeg.stages(for: Self.configuration(["segmentation": .bool(false), "segmentation_texture_blend": .real(0)])).count == 1)
        #expect(TrainingStage.locate(epoch: 13, in: try PFADSeg.stages(for: Self.configuration())) == (0, 12))
        #expect(TrainingStage.locate(epoch: 14, in: try PFADSeg.stages(for: Self.configuration())) == (1, 0))
    }

    /// Stage 0 (the student) draws the method's shares, stage 1 (the segmentation network)
    /// its own; both default to texture blends only.
    @Test func eachStageHasItsOwnDefectShares() {
        let textures = SyntheticAnomalyRecipe(textureBlend: 1)
        #expect(PFADSeg.syntheticAnomalies(for: Self.configuration(), stage: 0) == textures)
        #expect(PFADSeg.syntheticAnomalies(for: Self.configuration(), stage: 1) == textures)
        let split = Self.configuration(["texture_blend": .real(0.5), "cut_paste": .real(0.25), "scar": .real(0.25)])
        #expect(PFADSeg.syntheticAnomalies(for: split, stage: 0) == SyntheticAnomalyRecipe(textureBlend: 0.5, cutPaste: 0.25, scar: 0.25))
        #expect(PFADSeg.syntheticAnomalies(for: split, stage: 1) == textures)
        let head = Self.configuration(["segmentation_texture_blend": .real(0), "segmentation_scar": .real(1)])
        #expect(PFADSeg.syntheticAnomalies(for: head, stage: 0) == textures)
        #expect(PFADSeg.syntheticAnomalies(for: head, stage: 1) == SyntheticAnomalyRecipe(textureBlend: 0, scar: 1))
    }

    /// Each ablation switch removes its module (Table 4's rows).
    @Test func ablationsRemoveTheirModules() throws {
        func keys(_ settings: [String: SettingValue]) throws -> Set<String> {
            Set(try MethodRegistry.makeModel(for: Self.configuration(settings), teacher: .single(.efficientNetLite0, channels: [8, 16, 24]))
                .stateDictionary().keys)
        }
        let full = try keys([:])
        #expect(full.contains { $0.contains(".branches.") } && full.contains { $0.contains(".fusion.") })
        #expect(full.contains { $0.hasPrefix("segmentation.context.horizontal") })
        #expect(!(try keys(["pcar": .bool(false)])).contains { $0.contains(".branches.") })
        #expect(!(try keys(["aff": .bool(false)])).contains { $0.contains(".fusion.") })
        let aspp = try keys(["rcm": .bool(false)])
        #expect(aspp.contains { $0.hasPrefix("segmentation.context.branches.3") } && !aspp.contains { $0.contains("horizontal") })
        #expect(!(try keys(["segmentation": .bool(false)])).contains { $0.hasPrefix("segmentation.") })
    }

    /// A width-8 model on Lite0-shaped features (channels 8, 16, 24) and two 64² images,
    /// made defective with noise inside a 32×30 mask: what the stage tests train on.
    static func smallModelAndBatch(seed: UInt64) throws
        -> (configuration: TrainingConfiguration, model: DenoisingSegmentationModel, images: Tensor, teacher: [Tensor], synthetic: SyntheticAnomalyBatch) {
        let configuration = Self.configuration(["width": .integer(8)])
        let model = try #require(try MethodRegistry.makeModel(for: configuration, teacher: .single(.efficientNetLite0, channels: [8, 16, 24])) as? DenoisingSegmentationModel)
        var generator = SeededGenerator(seed: seed)
        let images = Tensor.randomNormal([2, 3, 64, 64], using: &generator)
        let teacher = [8, 16, 24].enumerated().map { index, c in Tensor.randomNormal([2, c, 16 >> index, 16 >> index], using: &generator) }
        var masks = [Float](repeating: 0, count: 2 * 64 * 64)
        for y in 8..<40 { for x in 20..<50 { masks[y * 64 + x] = 1 } }
        let synthetic = SyntheticAnomalyBatch(teacherFeatures: teacher.map { $0 + 0.5 }, masks: Tensor(shape: [2, 1, 64, 64], scalars: masks),
                                              images: images + Tensor.randomNormal([2, 3, 64, 64], using: &generator))
        return (configuration, model, images, teacher, synthetic)
    }

    /// Stage 0 trains the student alone on the defective images; stage 1 the segmentation
    /// network alone (terms focal and l1); the map is a probability at input size.
    @Test func eachStageTrainsItsOwnNetwork() throws {
        let (configuration, model, images, teacher, synthetic) = try Self.smallModelAndBatch(seed: 9)
        for stage in 0..<2 {
            model.train()
            for parameter in model.parameters { parameter.zeroGradient() }
            let loss = model.trainingLoss(TrainingBatch(teacherFeatures: teacher, synthetic: synthetic, images: images, stage: stage))
            loss.total.backward()
            let trained = model.optimization(forStage: stage, configuration: configuration).groups.flatMap(\.parameters)
            let moved = model.parameters.filter { parameter in parameter.gradient.map { $0.scalars.contains { $0 != 0 } } ?? false }
            #expect(Set(moved.map(ObjectIdentifier.init)).isSubset(of: Set(trained.map(ObjectIdentifier.init))), "stage \(stage) moves only its own parameters")
            #expect(moved.count > trained.count / 2, "stage \(stage): \(moved.count) of \(trained.count) parameters have gradients")
            #expect(loss.terms.map(\.name) == (stage == 0 ? [] : ["focal", "l1"]))
        }
        #expect(Set(model.optimization(forStage: 0, configuration: configuration).groups.flatMap(\.parameters).map(ObjectIdentifier.init))
                == Set(model.student.parameters.map(ObjectIdentifier.init)))
        model.eval()
        let maps = withoutGradients { model.anomalyMaps(images: images, teacherFeatures: teacher, height: 64, width: 64) }
        #expect(maps.shape == [2, 64, 64] && maps.scalars.allSatisfy { (0...1).contains($0) })
    }

    /// Stage 1's student is frozen in evaluation mode, so its features of the good images can
    /// be kept and passed back: the loss is the one the model computes itself, to rounding;
    /// other features change it (they are used), and their rows stand for the good images,
    /// not the defective ones. Stage 0 keeps nothing, nor does a model without the network.
    @Test func frozenStudentFeaturesStandForTheGoodImages() throws {
        let (_, model, images, teacher, synthetic) = try Self.smallModelAndBatch(seed: 10)
        let defective = try #require(synthetic.images)
        model.train()
        // A few student steps first, so its running statistics are not the initial ones.
        for _ in 0..<2 { _ = model.trainingLoss(TrainingBatch(teacherFeatures: teacher, synthetic: synthetic, images: images, stage: 0)) }
        func loss(_ frozen: [Tensor]?) -> Float {
            withoutGradients { model.trainingLoss(TrainingBatch(teacherFeatures: teacher, synthetic: synthetic, images: images, stage: 1, frozenFeatures: frozen)).total.item }
        }
        let computed = loss(nil)
        let network = try #require(model.frozenFeatures(forStage: 1))
        let good = network(images)
        #expect(good.map(\.shape) == [[2, 8, 16, 16], [2, 16, 8, 8], [2, 24, 4, 4]])
        // Measured: equal to the bit here; the defective images' features in the good rows move it by 1.5e-4.
        #expect(abs(loss(good) - computed) <= 2e-6 * max(1, abs(computed)), "kept \(loss(good)) against computed \(computed)")
        let ofDefective = network(defective)
        #expect(abs(loss(ofDefective) - computed) > 2e-5, "the defective images' features in the good rows change the loss")
        #expect(model.frozenFeatures(forStage: 0) == nil)
        let without = try MethodRegistry.makeModel(for: Self.configuration(["width": .integer(8), "segmentation": .bool(false)]),
                                                   teacher: .single(.efficientNetLite0, channels: [8, 16, 24]))
        #expect(without.frozenFeatures(forStage: 1) == nil)
    }
}
