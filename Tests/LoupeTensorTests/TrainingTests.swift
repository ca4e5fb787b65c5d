import LoupeTensor
import LoupeTestSupport
import Testing

/// conv-BN-ReLU ×3 + deconv, as `SmallNet` in scripts/make-fixtures.py.
final class SmallNet: Module, Layer {
    let body: Sequential

    init(using generator: inout SeededGenerator) {
        body = Sequential([
            Conv2d(inChannels: 3, outChannels: 8, kernelSize: 3, padding: Padding2D(1), bias: false, using: &generator), BatchNorm2d(8), Activation.relu,
            Conv2d(inChannels: 8, outChannels: 16, kernelSize: 3, stride: 2, padding: Padding2D(1), bias: false, using: &generator),
            BatchNorm2d(16), Activation.relu,
            Conv2d(inChannels: 16, outChannels: 16, kernelSize: 3, padding: Padding2D(1), groups: 4, bias: false, using: &generator),
            BatchNorm2d(16), Activation.relu,
            ConvTranspose2d(inChannels: 16, outChannels: 4, kernelSize: 2, stride: 2, using: &generator),
        ])
    }

    override var transparentPropertyNames: Set<String> { ["body"] }

    func callAsFunction(_ input: Tensor) -> Tensor { body(input) }
}

/// The engine end to end: a small network trained three Adam steps from PyTorch's initial
/// weights must reproduce PyTorch's losses, parameters and running statistics.
@Suite struct TrainingTests {
    static let fixtures = Fixtures.training

    static func tensors(under prefix: String) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: fixtures.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
    }

    @Test func threeAdamStepsMatchPyTorch() throws {
        var generator = SeededGenerator(seed: 1)
        let net = SmallNet(using: &generator)
        try net.loadStateDictionary(Self.tensors(under: "initial/"), source: "training.safetensors")
        let optimizer = Adam(parameters: net.parameters, learningRate: 0.01, betas: (0.5, 0.999))
        let input = Self.fixtures["input"]!, target = Self.fixtures["target"]!
        var losses: [Float] = []
        for _ in 0..<3 {
            let output = net(input)
            let loss = Loss.cosineDistance(output, target) + 0.1 * Loss.meanSquaredError(output, target)
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
            losses.append(loss.item)
        }
        expectClose(Tensor(shape: [3], scalars: losses), Self.fixtures["losses"], tolerance: 1e-4, "losses")
        let final = Self.tensors(under: "final/")
        let state = net.stateDictionary()
        #expect(Set(state.keys) == Set(final.keys))
        for (name, expected) in final {
            expectClose(state[name], expected, tolerance: 1e-4, "parameter \(name) after 3 steps")
        }
        net.eval()
        expectClose(withoutGradients { net(input) }, Self.fixtures["evalOutput"], tolerance: 1e-4, "eval-mode output")
    }
}
