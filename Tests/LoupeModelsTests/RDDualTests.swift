import Foundation
import LoupeImaging
@testable import LoupeModels
import LoupeTensor
import LoupeTestSupport
import Testing

/// rd-dual's pieces against PyTorch written from the same definitions (scripts/make-fixtures.py,
/// `rd_dual_cases`): MS-CAM, iAFF and the student's basic block, forward and every
/// gradient; then the two-teacher plumbing (`Teacher`, `TeacherLayout`) and the ablations.
@Suite struct RDDualTests {
    static let fixtures = loadFixture(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/rd-dual.safetensors").path)

    @Test func multiScaleChannelAttentionMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 1)
        let module = MultiScaleChannelAttention(channels: 16, using: &generator)
        try expectModuleMatchesFixture(module, Self.fixtures, prefix: "mscam") { module($0[0]) }
    }

    @Test func iterativeAttentionalFusionMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 2)
        let module = IterativeAttentionalFeatureFusion(channels: 16, using: &generator)
        try expectModuleMatchesFixture(module, Self.fixtures, prefix: "iaff") { module($0[0], $0[1]) }
    }

    @Test func studentBasicBlockMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 3)
        let module = UpsamplingResidualBlock(inChannels: 12, outChannels: 8, using: &generator)
        try expectModuleMatchesFixture(module, Self.fixtures, prefix: "block") { module($0[0]) }
    }

    static let pair = TeacherLayout(backbones: [.efficientNetLite0, .efficientNetLite2], channels: [[8, 16, 24], [8, 12, 20]])

    static func configuration(_ settings: [String: SettingValue] = [:]) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.method = "rd-dual"
        configuration.backbone = "efficientnet-lite0,efficientnet-lite2"
        configuration.settings = settings
        return configuration
    }

    /// The student reconstructs both teachers' channels concatenated, at every scale, and
    /// trains on RD's loss; each switch removes what it names.
    @Test func modelShapesAndAblations() throws {
        func model(_ settings: [String: SettingValue], teacher: TeacherLayout = Self.pair) throws -> DualTeacherModel {
            try #require(try MethodRegistry.makeModel(for: Self.configuration(settings), teacher: teacher) as? DualTeacherModel)
        }
        var generator = SeededGenerator(seed: 4)
        let features = [Tensor.randomNormal([2, 16, 16, 8], using: &generator), Tensor.randomNormal([2, 28, 8, 4], using: &generator),
                        Tensor.randomNormal([2, 44, 4, 2], using: &generator)]
        let full = try model([:])
        #expect(withoutGradients { full(features) }.map(\.shape) == features.map(\.shape))
        func keys(_ settings: [String: SettingValue], teacher: TeacherLayout = Self.pair) throws -> Set<String> {
            Set(try model(settings, teacher: teacher).stateDictionary().keys)
        }
        let all = try keys([:])
        #expect(all.contains("fusion.attentions.5.global.3.weight") && all.contains("fusion.teacherFusion.second.local.0.weight"))
        #expect(all.contains("student.stages.0.0.shortcut.0.weight"))
        #expect(!(try keys(["mscam": .bool(false)])).contains { $0.contains("attentions.") })
        #expect(!(try keys(["iaff": .bool(false)])).contains { $0.contains("teacherFusion.") })
        #expect(!(try keys(["mirror_student": .bool(false)])).isEmpty)
        #expect(!(try keys(["mirror_student": .bool(true)])).contains { $0.hasPrefix("student.stages.") })
        let single = TeacherLayout.single(.efficientNetLite0, channels: [8, 16, 24])
        let alone = try keys(["single_teacher": .bool(true)], teacher: single)
        #expect(!alone.contains { $0.contains("teacherFusion.") || $0.hasPrefix("fusion.scaleFusions.1.") })
        // Plain concatenation feeds OCE twice the width iAFF gives it (3 × 24 per teacher).
        let concatenated = try model(["iaff": .bool(false)])
        #expect(concatenated.fusion.embedding.stateDictionary()["0.conv1.weight"]?.shape[1] == 2 * 72)
        #expect(full.fusion.embedding.stateDictionary()["0.conv1.weight"]?.shape[1] == 72)
        let loss = full.trainingLoss(TrainingBatch(teacherFeatures: features)).total
        #expect(loss.item.isFinite && loss.item > 0)
    }

    /// `--backbone` names as many teachers as the method distils from, or the run is refused
    /// with the reason.
    @Test func teacherCountsAreChecked() throws {
        #expect(try MethodRegistry.teachers(for: Self.configuration()) == [.efficientNetLite0, .efficientNetLite2])
        var one = Self.configuration()
        one.backbone = "efficientnet-lite0"
        #expect(throws: TeacherError.wrongCount(method: "rd-dual", expected: 2...2, given: ["efficientnet-lite0"])) { try MethodRegistry.teachers(for: one) }
        one.settings = ["single_teacher": .bool(true)]
        #expect(try MethodRegistry.teachers(for: one) == [.efficientNetLite0])
        var rd = TrainingConfiguration()
        rd.backbone = "efficientnet-lite0, resnet18"
        #expect(throws: TeacherError.wrongCount(method: "rd", expected: 1...1, given: ["efficientnet-lite0", "resnet18"])) { try MethodRegistry.teachers(for: rd) }
        #expect(TeacherError.wrongCount(method: "rd", expected: 1...1, given: ["a", "b"]).description.contains("--method sacd, pfadseg, stu-seg, rd-dual"))
        // sacd and the two-stage methods take one teacher or two (their students reconstruct both concatenated).
        for method in ["sacd", "pfadseg", "stu-seg"] {
            var configuration = TrainingConfiguration()
            configuration.method = method
            #expect(try MethodRegistry.teachers(for: configuration) == [.efficientNetLite0])
            configuration.backbone = "efficientnet-lite0,efficientnet-lite2"
            #expect(try MethodRegistry.teachers(for: configuration) == [.efficientNetLite0, .efficientNetLite2])
            configuration.backbone = "efficientnet-lite0,efficientnet-lite2,resnet18"
            #expect(throws: TeacherError.wrongCount(method: method, expected: 1...2, given: ["efficientnet-lite0", "efficientnet-lite2", "resnet18"])) {
                try MethodRegistry.teachers(for: configuration)
            }
        }
        rd.backbone = "efficientnet-lite9"
        #expect(throws: TeacherError.unknownBackbone(name: "efficientnet-lite9")) { try MethodRegistry.teachers(for: rd) }
        #expect(RDDual.defaultTeachers(for: Self.configuration()) == [.efficientNetLite0, .efficientNetLite2])
        #expect(throws: TeacherError.self) { try Teacher.pretrained([.efficientNetLite0, .efficientNetLite2], weights: ["one.pth"]) }
    }

    /// Two backbones give their features concatenated per scale; a backbone normalised
    /// another way than the first gets the same pixels normalised its own way.
    @Test func teacherConcatenatesAndConvertsNormalisation() throws {
        var generator = SeededGenerator(seed: 5)
        let lite = EfficientNetLite(.lite0, using: &generator), resnet = ResNet(.resnet18, using: &generator)
        for network in [lite, resnet] as [any Backbone] {
            network.eval()
            network.requireGradients(false)
        }
        let teacher = Teacher([.efficientNetLite0, .resnet18], networks: [lite, resnet])
        #expect(teacher.layout.channels == [[24, 40, 112], [64, 128, 256]] && teacher.normalization == .efficientNetLite)
        let pixels = (0..<(3 * 32 * 32)).map { _ in Float(generator.next() % 256) }
        let image = Image(width: 32, height: 32, channels: 3, pixels: pixels)
        let features = withoutGradients { teacher.features(image.tensor(normalization: .efficientNetLite)) }
        let own = withoutGradients { (lite.features(image.tensor(normalization: .efficientNetLite), stageCount: 3),
                                      resnet.features(image.tensor(normalization: .imageNet), stageCount: 3)) }
        for scale in 0..<3 {
            expectClose(features[scale], Tensor.concatenate([own.0[scale], own.1[scale]], alongAxis: 1), tolerance: 1e-4, "scale \(scale)")
        }
        #expect(teacher.layout.channelRanges(scale: 1) == [0..<40, 40..<168])
    }
}
