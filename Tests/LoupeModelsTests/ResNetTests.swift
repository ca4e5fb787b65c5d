import Foundation
import LoupeModels
import LoupeTensor
import LoupeTestSupport
import Testing

/// ResNets against torchvision, with formula-filled weights (scripts/make-fixtures.py).
@Suite struct ResNetTests {
    static let fixtures: [String: Tensor] = {
        loadFixture(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/resnet.safetensors").path)
    }()

    @Test(arguments: [ResNet.Architecture.resnet18, .resnet50, .wideResNet50])
    func stagesAndLogitsMatchTorchvision(_ architecture: ResNet.Architecture) throws {
        var generator = SeededGenerator(seed: 0)
        let net = ResNet(architecture, using: &generator)
        try net.loadStateDictionary(FormulaFill.stateDictionary(like: net.stateDictionary()), source: "formula")
        net.eval()
        let input = try #require(Self.fixtures["input"])
        let stages = withoutGradients { net.features(input) }
        for (index, stage) in stages.enumerated() {
            let expected = Self.fixtures["\(architecture.rawValue)/layer\(index + 1)"]
            #expect(stage.shape == expected?.shape)
            expectClose(stage, expected, scale: .tensorRootMeanSquare, "\(architecture.rawValue) layer\(index + 1)")
        }
        expectClose(withoutGradients { net(input) }, Self.fixtures["\(architecture.rawValue)/logits"], scale: .tensorRootMeanSquare, "\(architecture.rawValue) logits")
    }

    @Test func stageChannelsAndNamesAreTorchvisions() {
        var generator = SeededGenerator(seed: 0)
        let net = ResNet(.resnet50, using: &generator)
        #expect(net.stageChannels == [256, 512, 1024, 2048])
        let names = Set(net.stateDictionary().keys)
        #expect(names.contains("layer1.0.downsample.0.weight") && names.contains("layer4.2.bn3.running_var") && names.contains("fc.bias"))
        #expect(names.count == 320)  // torchvision resnet50().state_dict() has 320 entries
    }
}

