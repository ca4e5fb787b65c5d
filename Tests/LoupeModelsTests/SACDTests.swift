import Foundation
import LoupeData
@testable import LoupeModels
import LoupeTensor
import LoupeTestSupport
import Testing

/// sacd's pieces against PyTorch written from the same definitions (scripts/make-fixtures.py,
/// `sacd_cases`): FeaCali forward and every gradient, `maximum(alongAxis:)` as `torch.amax`,
/// and the intra-model contrastive loss with its gradients; then the method as a whole.
@Suite struct SACDTests {
    static let fixtures = loadFixture(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sacd.safetensors").path)

    @Test func featureCalibrationMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 1)
        let module = FeatureCalibration(channels: 24, using: &generator)
        let case_ = fixtureCase(Self.fixtures, "feacali")
        let weights = case_.filter { !$0.key.hasPrefix("grad_") && !["input", "out", "gout"].contains($0.key) }
        #expect(Set(module.stateDictionary().keys) == Set(weights.keys))
        try module.loadStateDictionary(weights, source: "sacd.safetensors")
        let input = case_["input"]!.requiringGradient()
        let out = module(input)
        expectClose(out, case_["out"]!, tolerance: 1e-5, "FeaCali output")
        out.backward(gradient: case_["gout"]!)
        expectClose(input.gradient!, case_["grad_input"]!, tolerance: 1e-4, "FeaCali input gradient")
        for (name, parameter) in module.namedParameters {
            expectClose(parameter.gradient!, case_["grad_" + name]!, tolerance: 1e-4, "FeaCali ∂/∂\(name)")
        }
    }

    @Test func untrainedCalibrationIsTheIdentity() {
        var generator = SeededGenerator(seed: 2)
        let module = FeatureCalibration(channels: 16, using: &generator)
        let input = Tensor.randomNormal([2, 16, 3, 5], using: &generator)
        #expect(module(input).scalars == input.scalars)
    }

    @Test func maximumAlongAnAxisMatchesTorchAmax() {
        let case_ = fixtureCase(Self.fixtures, "amax")
        let input = case_["input"]!.requiringGradient()
        let out = input.maximum(alongAxis: 1)
        #expect(out.shape == [3, 1, 5])
        expectClose(out, case_["out"]!, tolerance: 0, "amax")
        out.backward(gradient: case_["gout"]!)
        expectClose(input.gradient!, case_["grad_input"]!, tolerance: 0, "amax gradient")
    }

    @Test func contrastiveLossMatchesPyTorch() {
        let case_ = fixtureCase(Self.fixtures, "contrastive")
        let anomaly = case_["anomaly"]!.requiringGradient(), normal = case_["normal"]!.requiringGradient()
        let teacher = case_["teacher"]!.requiringGradient()
        let loss = intraModelContrastiveLoss(anomaly: anomaly, normal: normal, teacherOfAnomaly: teacher, masks: case_["masks"]!, margin: 0.3)
        expectClose(loss.reshaped([1]), case_["out"]!, tolerance: 1e-5, "contrastive loss")
        loss.backward()
        expectClose(anomaly.gradient!, case_["grad_anomaly"]!, tolerance: 1e-5, "∂/∂anomaly")
        expectClose(teacher.gradient!, case_["grad_teacher"]!, tolerance: 1e-5, "∂/∂teacher")
        // The normal branch is held fixed: the pull moves only the anomaly branch.
        #expect(normal.gradient == nil || normal.gradient!.scalars.allSatisfy { $0 == 0 })
    }

    @Test func contrastiveLossIsZeroWithoutDefects() {
        var generator = SeededGenerator(seed: 3)
        let features = (0..<3).map { _ in Tensor.randomNormal([2, 4, 4, 4], using: &generator) }
        let loss = intraModelContrastiveLoss(anomaly: features[0], normal: features[1], teacherOfAnomaly: features[2],
                                             masks: .zeros([2, 1, 16, 16]), margin: 0.5)
        #expect(loss.item == 0)
    }

    /// The ablations change what they say: no FeaCali parameters, no synthetic recipe, and a
    /// loss without the contrastive term.
    @Test func ablationsChangeTheNetworkAndTheTraining() throws {
        func configuration(_ settings: [String: SettingValue]) -> TrainingConfiguration {
            var configuration = TrainingConfiguration()
            configuration.method = "sacd"
            configuration.settings = settings
            return configuration
        }
        let full = try MethodRegistry.makeModel(for: configuration([:]), teacher: .single(.efficientNetLite0, channels: [8, 16, 24]))
        let plain = try MethodRegistry.makeModel(for: configuration(["feacali": .bool(false)]), teacher: .single(.efficientNetLite0, channels: [8, 16, 24]))
        #expect(full.stateDictionary().keys.contains { $0.hasPrefix("calibrations.") })
        #expect(!plain.stateDictionary().keys.contains { $0.hasPrefix("calibrations.") })
        #expect(SACD.syntheticAnomalies(for: configuration([:]), stage: 0) == SyntheticAnomalyRecipe(textureBlend: 0.5, cutPaste: 0.25, scar: 0.25))
        #expect(SACD.syntheticAnomalies(for: configuration(["synthetic": .bool(false)]), stage: 0) == nil)
        #expect(SACD.syntheticAnomalies(for: configuration(["defective_share": .real(0.5)]), stage: 0)
                == SyntheticAnomalyRecipe(textureBlend: 0.5, cutPaste: 0.25, scar: 0.25, defectiveShare: 0.5))

        var generator = SeededGenerator(seed: 4)
        let teacher = [8, 16, 24].enumerated().map { index, c in Tensor.randomNormal([2, c, 16 >> index, 16 >> index], using: &generator) }
        let defective = teacher.map { $0 + Tensor.randomNormal($0.shape, using: &generator) * 0.5 }
        var masks = [Float](repeating: 0, count: 2 * 64 * 64)
        for y in 10..<30 { for x in 20..<40 { masks[y * 64 + x] = 1 } }
        let batch = TrainingBatch(teacherFeatures: teacher,
                                  synthetic: SyntheticAnomalyBatch(teacherFeatures: defective, masks: Tensor(shape: [2, 1, 64, 64], scalars: masks)))
        let withContrast = try MethodRegistry.makeModel(for: configuration([:]), teacher: .single(.efficientNetLite0, channels: [8, 16, 24]))
        let without = try MethodRegistry.makeModel(for: configuration(["contrastive": .bool(false)]), teacher: .single(.efficientNetLite0, channels: [8, 16, 24]))
        let lossWith = withContrast.trainingLoss(batch), lossWithout = without.trainingLoss(batch)
        #expect(lossWith.total.item > lossWithout.total.item, "contrastive term adds \(lossWith.total.item - lossWithout.total.item)")
        // The terms name the parts and add up to the loss.
        #expect(lossWith.terms.map(\.name) == ["good", "defective", "contrastive"] && lossWithout.terms.map(\.name) == ["good", "defective"])
        #expect(abs(lossWith.terms.map(\.value).reduce(0, +) - lossWith.total.item) < 1e-4)
        #expect(abs(lossWith.terms[0].value - lossWithout.terms[0].value) < 1e-6)

        // The weights are configuration: the same network (same seed) weighs the defective
        // and contrastive terms as told, and the good images' term stays the unit.
        let weighted = try MethodRegistry.makeModel(for: configuration(["defective_weight": .real(2), "contrastive_weight": .real(0.3)]),
                                                    teacher: .single(.efficientNetLite0, channels: [8, 16, 24])).trainingLoss(batch)
        #expect(abs(weighted.terms[0].value - lossWith.terms[0].value) < 1e-6)
        #expect(abs(weighted.terms[1].value - 2 * lossWith.terms[1].value) < 1e-5)
        #expect(abs(weighted.terms[2].value - 3 * lossWith.terms[2].value) < 1e-5)
        #expect(abs(weighted.terms.map(\.value).reduce(0, +) - weighted.total.item) < 1e-4)
    }
}
