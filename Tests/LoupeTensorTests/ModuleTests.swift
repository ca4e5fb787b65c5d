import LoupeTensor
import LoupeTestSupport
import Testing

/// A torchvision-shaped block, to check dotted names.
final class Block: Module, Layer {
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let downsample: Sequential?

    init(withDownsample: Bool, using generator: inout SeededGenerator) {
        conv1 = Conv2d(inChannels: 2, outChannels: 4, kernelSize: 3, padding: Padding2D(1), bias: false, using: &generator)
        bn1 = BatchNorm2d(4)
        downsample = withDownsample
            ? Sequential([Conv2d(inChannels: 2, outChannels: 4, kernelSize: 1, bias: false, using: &generator), BatchNorm2d(4)])
            : nil
    }

    func callAsFunction(_ input: Tensor) -> Tensor { bn1(conv1(input)).relu() }
}

final class Backbone: Module {
    let layer1: [Block]

    init(using generator: inout SeededGenerator) {
        layer1 = [Block(withDownsample: true, using: &generator), Block(withDownsample: false, using: &generator)]
    }
}

@Suite struct ModuleTests {
    @Test func namesFollowTorchvision() {
        var generator = SeededGenerator(seed: 3)
        let net = Backbone(using: &generator)
        #expect(net.namedParameters.map(\.0) == [
            "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias",
            "layer1.0.downsample.0.weight", "layer1.0.downsample.1.weight", "layer1.0.downsample.1.bias",
            "layer1.1.conv1.weight", "layer1.1.bn1.weight", "layer1.1.bn1.bias",
        ])
        #expect(net.namedBuffers.map(\.0).prefix(3) == ["layer1.0.bn1.running_mean", "layer1.0.bn1.running_var", "layer1.0.bn1.num_batches_tracked"])
    }

    @Test func trainAndEvalReachEveryDescendant() {
        var generator = SeededGenerator(seed: 3)
        let net = Backbone(using: &generator)
        net.eval()
        #expect(!net.layer1[0].downsample!.layers[1].isTraining)
        net.train()
        #expect(net.layer1[1].bn1.isTraining)
    }

    @Test func loadingReportsEveryProblemAndChangesNothing() {
        var generator = SeededGenerator(seed: 3)
        let net = Backbone(using: &generator)
        var state = net.stateDictionary()
        let before = net.layer1[0].conv1.weight.value.scalars
        state["layer1.1.conv1.weight"] = nil
        state["fc.weight"] = Tensor.zeros([2])
        state["layer1.0.conv1.weight"] = Tensor.zeros([4, 2, 1, 1])
        #expect {
            try net.loadStateDictionary(state, source: "resnet50.pth")
        } throws: { error in
            let error = error as! StateDictionaryError
            let text = error.description
            return error.missing == ["layer1.1.conv1.weight"] && error.unexpected == ["fc.weight"]
                && error.mismatched == [.init(name: "layer1.0.conv1.weight", expected: [4, 2, 3, 3], found: [4, 2, 1, 1])]
                && text.contains("resnet50.pth") && text.contains("[4, 2, 3, 3]")
        }
        #expect(net.layer1[0].conv1.weight.value.scalars == before)
    }

    @Test func seededInitialisationIsReproducibleAndScaled() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        let first = Initialization.kaimingNormal([64, 32, 3, 3], fan: .fanOut, using: &a)
        let second = Initialization.kaimingNormal([64, 32, 3, 3], fan: .fanOut, using: &b)
        #expect(first.scalars == second.scalars)
        // std = sqrt(2 / fan_out) = sqrt(2 / (64·9)).
        let values = first.scalars.map(Double.init)
        let std = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(std - (2.0 / 576).squareRoot()) < 0.003)
        let uniform = Initialization.xavierUniform([100, 200], using: &a).scalars
        let bound = Float((6.0 / 300).squareRoot())
        #expect(uniform.allSatisfy { abs($0) <= bound } && uniform.contains { abs($0) > bound * 0.95 })
    }

    @Test func dropoutKeepsExpectationAndIsIdentityInEval() {
        var generator = SeededGenerator(seed: 9)
        let x = Tensor.ones([10_000])
        let dropped = x.dropout(probability: 0.25, isTraining: true, using: &generator)
        let zeros = dropped.scalars.filter { $0 == 0 }.count
        #expect(abs(Double(zeros) / 10_000 - 0.25) < 0.02)
        #expect(dropped.scalars.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-6 })
        #expect(x.dropout(probability: 0.25, isTraining: false, using: &generator).scalars == x.scalars)
    }

    @Test func noTapeWithoutGradients() {
        let x = Tensor.ones([2, 2]).requiringGradient()
        let y = withoutGradients { (x * 3).sum() }
        #expect(!y.requiresGradient)
        let z = (x * 3).sum()
        #expect(z.requiresGradient)
    }
}
