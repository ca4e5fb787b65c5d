import Foundation
import LoupeTensor
import LoupeTestSupport
import Testing

/// Multi-head self-attention and the pre-norm transformer encoder layer (rd-mff's filter)
/// against PyTorch's own modules (`scripts/make-fixtures.py`, `attention.safetensors`):
/// output, input gradient and every parameter's gradient; and the input gradient against
/// finite differences of our own forward.
@Suite struct AttentionTests {
    static let fixtures = loadFixture(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/attention.safetensors").path)

    static func parameters(_ name: String) -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (key, value) in fixtures where key.hasPrefix(name + "/param/") { state[String(key.dropFirst(name.count + 7))] = value }
        return state
    }

    static func check(_ name: String, module: Module, forward: (Tensor) -> Tensor) throws {
        try module.loadStateDictionary(parameters(name), source: "attention.safetensors")
        let input = try #require(fixtures[name + "/input"]).requiringGradient()
        let output = forward(input)
        expectClose(output, fixtures[name + "/out"], tolerance: 1e-5, "\(name) output")
        output.backward(gradient: fixtures[name + "/gout"])
        expectClose(input.gradient, fixtures[name + "/grad_input"], tolerance: 1e-5, "\(name) input gradient")
        for (key, parameter) in module.namedParameters {
            expectClose(parameter.gradient, fixtures[name + "/grad/" + key], tolerance: 1e-5, "\(name) gradient of \(key)")
        }
        #expect(module.namedParameters.count == parameters(name).count)
    }

    @Test func multiheadAttentionMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 1)
        let attention = MultiheadAttention(embedding: 12, heads: 3, using: &generator)
        try Self.check("attention", module: attention) { attention($0) }
    }

    @Test func encoderLayerMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 1)
        let layer = TransformerEncoderLayer(embedding: 16, heads: 4, feedForward: 24, using: &generator)
        try Self.check("encoder", module: layer) { layer($0) }
    }

    /// L = Σ out·r; the analytic input gradient against Richardson-extrapolated central
    /// differences in three random directions.
    @Test func encoderLayerInputGradientMatchesFiniteDifferences() throws {
        var generator = SeededGenerator(seed: 9)
        let layer = TransformerEncoderLayer(embedding: 8, heads: 2, feedForward: 12, using: &generator)
        let x = Tensor.randomNormal([2, 5, 8], using: &generator)
        let r = Tensor.randomNormal([2, 5, 8], using: &generator)
        func loss(_ input: Tensor) -> Double {
            zip(withoutGradients { layer(input) }.scalars, r.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let tracked = x.requiringGradient()
        layer(tracked).backward(gradient: r)
        let analytic = try #require(tracked.gradient).scalars
        for _ in 0..<3 {
            let v = Tensor.randomUniform(x.shape, lower: -1, upper: 1, using: &generator)
            func difference(_ h: Float) -> Double { (loss(x + v * h) - loss(x - v * h)) / (2 * Double(h)) }
            let numeric = (4 * difference(5e-3) - difference(1e-2)) / 3
            let expected = zip(analytic, v.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(numeric - expected) <= 1e-3 * max(1, abs(expected)), "directional derivative \(numeric) against \(expected)")
        }
    }
}
