import Foundation
@testable import LoupeModels
import LoupeTensor
import LoupeTestSupport
import Testing

/// The ROI segmenter's pieces against PyTorch written from the same definitions
/// (scripts/make-fixtures.py, `roi_cases`): AMAM, the attention gate and a decoder stage,
/// forward and every gradient; then the whole network's shapes and the dilated encoder.
@Suite struct RegionSegmentationTests {
    static let fixtures = loadFixture(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/roi.safetensors").path)

    @Test func adaptiveMultiScaleAttentionMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 1)
        let module = AdaptiveMultiScaleAttention(channels: 12, branchChannels: 4, using: &generator)
        try expectModuleMatchesFixture(module, Self.fixtures, prefix: "amam") { module($0[0]) }
    }

    @Test func gateAttentionMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 2)
        let module = GateAttention(gatingChannels: 10, skipChannels: 6, innerChannels: 8, using: &generator)
        try expectModuleMatchesFixture(module, Self.fixtures, prefix: "gate") { module($0[0], $0[1]) }
    }

    @Test func decoderStageMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 3)
        let module = RegionDecoderStage(inChannels: 16, outChannels: 12, skipChannels: 8, gated: true, using: &generator)
        try expectModuleMatchesFixture(module, Self.fixtures, prefix: "stage", tolerance: 2e-4) { module($0[0], skip: $0[1]) }
    }

    /// Output stride 16: the stride-32 stages keep their weights' shapes (so the teacher's
    /// weights load) but run at stride 16, dilated; the segmenter gives one logit per pixel.
    @Test func dilatedEncoderAndFullResolutionLogits() throws {
        var generator = SeededGenerator(seed: 4)
        let plain = EfficientNetLite(.lite0, using: &generator), dilated = EfficientNetLite(.lite0, outputStride: 16, using: &generator)
        #expect(plain.stateDictionary().mapValues(\.shape) == dilated.stateDictionary().mapValues(\.shape))
        let input = Tensor.randomNormal([2, 3, 64, 96], using: &generator)
        #expect(withoutGradients { plain.features(input, stageCount: 4) }.last?.shape == [2, 320, 2, 3])
        #expect(withoutGradients { dilated.features(input, stageCount: 4) }.last?.shape == [2, 320, 4, 6])
        let model = RegionSegmentationModel(encoder: dilated, using: &generator)
        #expect(model.encoder.channels == [16, 24, 40, 320])
        #expect(withoutGradients { model(input) }.shape == [2, 1, 64, 96])
        #expect(model.stateDictionary().keys.contains("encoder._blocks.15._depthwise_conv.weight"))
    }
}
