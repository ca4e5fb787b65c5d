import Foundation
import LoupeData
@testable import LoupeModels
import LoupeTensor
import LoupeTestSupport
import Testing

/// stu-seg's pieces against PyTorch written from the same definitions (scripts/make-fixtures.py,
/// `stu_seg_cases`): SFM and a U-Net decoder level, forward and every gradient; then the
/// student's shapes and ablations, and the shared two-stage training.
@Suite struct StuSegTests {
    static let fixtures = loadFixture(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/stu-seg.safetensors").path)

    @Test func selectiveFusionModuleMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 1)
        let module = SelectiveFusionModule(channels: 16, using: &generator)
        try expectModuleMatchesFixture(module, Self.fixtures, prefix: "sfm") { module($0[0], $0[1]) }
    }

    @Test func decoderLevelMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 2)
        let module = UNetDecoderLevel(deeperChannels: 24, channels: 12, fusion: .selective, using: &generator)
        try expectModuleMatchesFixture(module, Self.fixtures, prefix: "level", tolerance: 2e-4) { module($0[0], skip: $0[1]) }
    }

    static func configuration(_ settings: [String: SettingValue] = [:]) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.method = "stu-seg"
        configuration.settings = settings
        return configuration
    }

    /// The student gives the teacher's three scales (odd sizes too); the switches remove
    /// SFM, or the skips (then nothing reads the encoder's shallow levels).
    @Test func studentShapesAndAblations() throws {
        func model(_ settings: [String: SettingValue]) throws -> DenoisingSegmentationModel {
            try #require(try MethodRegistry.makeModel(for: Self.configuration(settings), teacher: .single(.efficientNetLite0, channels: [8, 16, 24]))
                as? DenoisingSegmentationModel)
        }
        var generator = SeededGenerator(seed: 3)
        let images = Tensor.randomNormal([2, 3, 80, 112], using: &generator)
        let features = withoutGradients { try! model(["width": .integer(8)]).student(images) }
        #expect(features.map(\.shape) == [[2, 8, 20, 28], [2, 16, 10, 14], [2, 24, 5, 7]])
        func keys(_ settings: [String: SettingValue]) throws -> Set<String> { Set(try model(settings).stateDictionary().keys) }
        #expect(try keys([:]).contains { $0.contains(".selection.heads.") })
        #expect(!(try keys(["sfm": .bool(false)])).contains { $0.contains(".selection.") })
        #expect(try keys(["skips": .bool(false)]) == keys(["sfm": .bool(false)]), "without skips there is nothing to select between")
        #expect(!(try keys(["segmentation": .bool(false)])).contains { $0.hasPrefix("segmentation.") })
        #expect(try StuSeg.stages(for: Self.configuration()).map(\.name) == ["student", "segmentation"])
        // SFM's weights sum to one per channel: fusing a feature with itself gives it back.
        let sfm = SelectiveFusionModule(channels: 16, using: &generator)
        let x = Tensor.randomNormal([2, 16, 3, 4], using: &generator)
        expectClose(withoutGradients { sfm(x, x) }, x, tolerance: 1e-6, "SFM(x, x)")
    }

    /// A narrow stu-seg (width 8, same seed for every call) in eval mode, to compare how it scores.
    static func scoringModel(_ settings: [String: SettingValue]) throws -> DenoisingSegmentationModel {
        let configuration = Self.configuration(settings.merging(["width": .integer(8)]) { $1 })
        let made = try #require(try MethodRegistry.makeModel(for: configuration, teacher: .single(.efficientNetLite0, channels: [8, 16, 24]))
            as? DenoisingSegmentationModel)
        made.eval()
        return made
    }

    /// `--student-map`: the map is the student's summed 1 − cos, exactly what the student of
    /// a `--no-segmentation` model of the same seed gives (same weights: the student is made
    /// first), and the image-scoring map is the segmentation network's probabilities, exactly
    /// the default model's map; the setting changes no weight.
    @Test func studentMapShowsTheStudentAndScoresByTheSegmentationNetwork() throws {
        let model = Self.scoringModel
        let hybrid = try model(["student_map": .bool(true)]), plain = try model([:]), studentOnly = try model(["segmentation": .bool(false)])
        #expect(try hybrid.stateDictionary().keys.sorted() == plain.stateDictionary().keys.sorted())
        var generator = SeededGenerator(seed: 4)
        let images = Tensor.randomNormal([2, 3, 64, 64], using: &generator)
        let features = [Tensor.randomNormal([2, 8, 16, 16], using: &generator), Tensor.randomNormal([2, 16, 8, 8], using: &generator),
                        Tensor.randomNormal([2, 24, 4, 4], using: &generator)]
        let maps = withoutGradients { hybrid.scoringMaps(images: images, teacherFeatures: features, height: 64, width: 64) }
        let scoring = try #require(maps.imageScoring)
        expectClose(maps.anomaly, withoutGradients { studentOnly.anomalyMaps(images: images, teacherFeatures: features, height: 64, width: 64) },
                    tolerance: 1e-6, "student map")
        expectClose(scoring, withoutGradients { plain.anomalyMaps(images: images, teacherFeatures: features, height: 64, width: 64) },
                    tolerance: 1e-6, "segmentation map")
        expectClose(withoutGradients { hybrid.anomalyMaps(images: images, teacherFeatures: features, height: 64, width: 64) }, maps.anomaly,
                    tolerance: 0, "the shown map alone")
        #expect(maps.anomaly.scalars.max()! > 1, "1 − cos summed over three scales of random features exceeds a probability")
        #expect(scoring.scalars.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(withoutGradients { plain.scoringMaps(images: images, teacherFeatures: features, height: 64, width: 64) }.imageScoring == nil)
        // The map range follows what the map is: probabilities, or summed distances.
        #expect(Self.configuration().mapRange == 0...1 && Self.configuration(["student_map": .bool(true)]).mapRange == 0...6
                && Self.configuration(["segmentation": .bool(false)]).mapRange == 0...6)
        var rd = TrainingConfiguration()
        rd.method = "rd"
        #expect(rd.mapRange == 0...6)
    }

    /// `--fused-map`: (probabilities + student's map / 6) / 2, each part taken from the models
    /// that show it alone (the default and `--no-segmentation`, same seed, same weights),
    /// images scored by the probabilities; `--student-map` beside it changes nothing; it
    /// changes no weight; without the segmentation network it is the student's map.
    @Test func fusedMapIsTheMeanOfBothPartsOnZeroToOne() throws {
        let model = Self.scoringModel
        let fused = try model(["fused_map": .bool(true)]), both = try model(["fused_map": .bool(true), "student_map": .bool(true)])
        let plain = try model([:]), studentOnly = try model(["segmentation": .bool(false)])
        #expect(try fused.stateDictionary().keys.sorted() == plain.stateDictionary().keys.sorted())
        var generator = SeededGenerator(seed: 5)
        let images = Tensor.randomNormal([2, 3, 64, 64], using: &generator)
        let features = [Tensor.randomNormal([2, 8, 16, 16], using: &generator), Tensor.randomNormal([2, 16, 8, 8], using: &generator),
                        Tensor.randomNormal([2, 24, 4, 4], using: &generator)]
        func shown(_ model: DenoisingSegmentationModel) -> [Float] {
            withoutGradients { model.anomalyMaps(images: images, teacherFeatures: features, height: 64, width: 64) }.scalars
        }
        let (probabilities, distances) = (shown(plain), shown(studentOnly))
        let expected = zip(probabilities, distances).map { (Double($0) + Double($1) / 6) / 2 }
        let maps = withoutGradients { fused.scoringMaps(images: images, teacherFeatures: features, height: 64, width: 64) }
        #expect(try #require(maps.imageScoring).scalars == probabilities, "the network's probabilities score the image")
        let got = maps.anomaly.scalars
        #expect(got.count == expected.count && zip(got, expected).allSatisfy { abs(Double($0) - $1) <= 1e-6 })
        #expect(shown(both) == got, "--student-map beside --fused-map changes nothing")
        #expect(got.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(Self.configuration(["fused_map": .bool(true)]).mapRange == 0...1
                && Self.configuration(["fused_map": .bool(true), "segmentation": .bool(false)]).mapRange == 0...6)
        let alone = try model(["fused_map": .bool(true), "segmentation": .bool(false)])
        #expect(shown(alone) == distances, "without the segmentation network only the student's map is left")
    }
}
